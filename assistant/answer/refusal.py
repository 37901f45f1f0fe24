"""Decide whether the retrieved evidence answers the question, or the documents do not cover it."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer.evidence import ScoredSentence
from assistant.answer.kinds import classify, gives, places
from assistant.profile import RefusalProfile

NOT_FOUND = "文件中没有找到"
"""The one refusal phrase: answers, prompts, the LLM parser and the evals share it."""

NO_MATCH = "与该问题直接对应的规定"

Thresholds = RefusalProfile
"""The similarity floors; calibrated per embedding model into profiles/ by evals/calibrate_refusal.py."""

__all__ = ["NOT_FOUND", "Thresholds", "Verdict", "asked_kind", "assess", "places"]


@dataclass(frozen=True)
class Verdict:
    covered: bool
    missing: str | None = None  # what the documents do not state, for the refusal sentence


def asked_kind(question: str) -> str | None:
    kind = classify(question)
    return kind.name if kind else None


def assess(
    question: str,
    selected: list[ScoredSentence],
    best: list[ScoredSentence],
    thresholds: RefusalProfile,
    referenced: bool = False,
) -> Verdict:
    """Covered when the best evidence is close enough (or the question names the article) and,
    when the question wants a number, date, place or body, a selected sentence actually gives one."""
    if not best:
        return Verdict(False, NO_MATCH)
    top = best[0]
    if not referenced and top.dense < thresholds.min_dense and top.lexical < thresholds.min_lexical:
        return Verdict(False, NO_MATCH)
    kind = classify(question)
    if kind is not None and not any(gives(kind, s.sentence.text) for s in selected):
        return Verdict(False, kind.what)
    return Verdict(True)
