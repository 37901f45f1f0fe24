"""Decide whether the retrieved evidence answers the question, or the documents do not cover it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.answer.evidence import ScoredSentence, question_core
from assistant.answer.kinds import asked_unit, classify, gives, gives_unit, places
from assistant.chinese import BIGRAM_MARK, pos_tag, search_tokens
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


_TOPIC_FLAGS = ("n", "nz", "vn", "l", "nt")


def absent_terms(question: str, known: Callable[[str], bool]) -> list[str]:
    """Topic nouns of the question that no indexed clause uses, nor (for compounds) all of their parts:
    集成电路 in a corpus without it. Kind phrases and question words are left out first."""
    kind = classify(question)
    text = question_core(question)
    for phrase in kind.phrases if kind else ():
        text = text.replace(phrase, " ")
    absent = []
    for word, flag in pos_tag(text):
        if len(word) < 2 or not flag.startswith(_TOPIC_FLAGS) or known(word):
            continue
        parts = [p for p in search_tokens(word) if len(p) >= 2 and p != word and not p.startswith(BIGRAM_MARK)]
        if len(word) >= 3 and parts and all(known(p) for p in parts):
            continue
        absent.append(word)
    return absent


def assess(
    question: str,
    selected: list[ScoredSentence],
    best: list[ScoredSentence],
    thresholds: RefusalProfile,
    referenced: bool = False,
    known: Callable[[str], bool] | None = None,
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
    unit = asked_unit(kind, question) if kind is not None else None
    if kind is not None and unit and not any(gives_unit(unit, s.sentence.text) for s in selected):
        return Verdict(False, kind.what)
    if kind is not None and kind.evidence != ("any",) and known is not None and not referenced:
        # A specific fact about something the documents never mention cannot be in them.
        missing = absent_terms(question, known)
        if missing:
            return Verdict(False, f"关于“{'、'.join(missing)}”的{kind.what}")
    return Verdict(True)
