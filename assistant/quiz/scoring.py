"""Marks for answers: per question type, partial credit for multiple choice, no marks for a hinted answer,
several accepted fill-in answers, and a pass mark. Defaults come from data/scoring.toml."""

from __future__ import annotations

import random
from functools import lru_cache

from pydantic import Field

from assistant.quiz.gazetteer import load_data
from assistant.quiz.types import Attempt, Model, QuestionType, QuizItem


@lru_cache(maxsize=1)
def _defaults() -> dict:
    return load_data("scoring")


def _marks() -> dict[QuestionType, float]:
    return {k: float(v) for k, v in _defaults()["marks"].items()}


class ScoringRules(Model):
    """How a session scores: marks per type, partial credit, hinted answers, the pass mark."""

    marks: dict[QuestionType, float] = Field(default_factory=_marks, description="Marks per question type.")
    multi_partial: float = Field(
        default_factory=lambda: float(_defaults()["multi_partial"]),
        ge=0,
        le=1,
        description="Share of the marks for some right options and no wrong one (0 = all or nothing).",
    )
    hinted_earns: bool = Field(
        default_factory=lambda: bool(_defaults()["hinted_earns"]),
        description="Whether an answer given after opening the hint earns marks.",
    )
    pass_percent: float = Field(
        default_factory=lambda: float(_defaults()["pass_percent"]), ge=0, le=100, description="Pass mark in percent."
    )


class Score(Model):
    marks: float
    max_marks: float
    passed: bool

    @property
    def percent(self) -> float:
        return 100.0 * self.marks / self.max_marks if self.max_marks else 0.0


def item_marks(item: QuizItem, response: list[str], hinted: bool, rules: ScoringRules) -> float:
    """The marks one answer earns under the rules."""
    full = rules.marks.get(item.type, 1.0)
    if hinted and not rules.hinted_earns:
        return 0.0
    if item.is_correct(response):
        return full
    if item.type == "multi" and response:
        chosen = set(response)
        if chosen < set(item.answer):  # only right options, not all of them
            return round(full * rules.multi_partial, 2)
    return 0.0


def attempt_score(attempt: Attempt, items: dict[str, QuizItem], item_ids: list[str], rules: ScoringRules) -> Score:
    """An attempt's marks over every question of the session (unanswered questions earn nothing)."""
    max_marks = sum(rules.marks.get(items[i].type, 1.0) for i in item_ids if i in items)
    marks = sum(
        item_marks(items[r.item_id], r.response, r.hinted, rules) for r in attempt.responses if r.item_id in items
    )
    percent = 100.0 * marks / max_marks if max_marks else 0.0
    return Score(marks=round(marks, 2), max_marks=max_marks, passed=percent >= rules.pass_percent)


def shuffled_options(item: QuizItem, attempt_id: str) -> list[str]:
    """The item's options in an order of this learner's own (the same on every rerun of the attempt)."""
    if item.type not in ("single", "multi"):
        return list(item.options)
    options = list(item.options)
    random.Random(f"{attempt_id}:{item.id}").shuffle(options)
    return options
