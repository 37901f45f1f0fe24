"""Trainer review: edit an item, approve it (only when it passes the quality gates), reject it."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.errors import UserError
from assistant.quiz.bank import QuizBank
from assistant.quiz.gates import Checker
from assistant.quiz.types import BLANK, GATE_LABELS, TF_OPTIONS, QuizItem


@dataclass(frozen=True)
class ApprovalReport:
    approved: int
    skipped: dict[str, list[str]]
    """Item id → the Chinese reasons it was not approved."""


def problems_in_words(item: QuizItem, checker: Checker) -> list[str]:
    return [GATE_LABELS[p] for p in checker.problems(item)]


def approve(bank: QuizBank, ids: list[str], checker: Checker) -> ApprovalReport:
    """Approve the items that pass every gate; the rest stay as they are, with their reasons."""
    approved, skipped = [], {}
    for item in bank.items(ids=ids):
        reasons = problems_in_words(item, checker)
        if reasons:
            skipped[item.id] = reasons
        elif item.status != "approved":
            approved.append(item.id)
    bank.set_status(approved, "approved")
    return ApprovalReport(len(approved), skipped)


def reject(bank: QuizBank, ids: list[str]) -> int:
    return bank.set_status(ids, "rejected")


def edit(
    bank: QuizBank,
    item: QuizItem,
    *,
    stem: str,
    options: list[str],
    answer: list[str],
    explanation: str,
    answer_span: str,
    checker: Checker,
) -> tuple[QuizItem, list[str]]:
    """Save a trainer's edit as a draft again, with the gates it now fails (empty when it passes)."""
    stem = stem.strip()
    options = [o.strip() for o in options if o.strip()]
    answer = [a.strip() for a in answer if a.strip()]
    if not stem:
        raise UserError("题干不能为空。")
    if item.type == "tf":
        options = list(TF_OPTIONS)
    if item.type == "blank":
        options = []
        if BLANK not in stem:
            raise UserError(f"填空题的题干中需要用 {BLANK} 标出空格。")
    elif not answer or not set(answer) <= set(options):
        raise UserError("答案必须是选项之一，请检查答案与选项是否一字不差。")
    if not answer:
        raise UserError("请填写答案。")
    changed = QuizItem.model_validate(
        {
            **item.model_dump(),
            "stem": stem,
            "options": options,
            "answer": answer,
            "explanation": explanation.strip(),
            "answer_span": answer_span.strip(),
            "span_start": None,
            "span_end": None,
            "status": "draft",
        }
    )
    changed = checker.verified(changed)
    return bank.update(changed), problems_in_words(changed, checker)
