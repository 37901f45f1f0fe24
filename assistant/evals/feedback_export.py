"""👎 feedback → draft eval items, one mapping per reason, every draft marked for review.

A draft is a guess: it must never enter a gate dataset before an evaluator has checked it, so each one
carries NEEDS_REVIEW in its note and `eval check --gate` refuses it.
"""

from __future__ import annotations

from typing import Any

from assistant.feedback import FeedbackRecord
from assistant.types import clause_key

NEEDS_REVIEW = "待复核"


def _cited_keys(record: FeedbackRecord) -> list[str]:
    keys = []
    for citation in record.citations:
        clause = str(citation.get("clause", ""))
        doc_id = str(citation.get("doc_id", ""))
        keys.append(clause_key(doc_id, clause) if doc_id else clause)
    return list(dict.fromkeys(k for k in keys if k))


def feedback_draft(record: FeedbackRecord) -> dict[str, Any]:
    """The draft item a 👎 suggests.

    - A refused answer marked wrong is a false refusal: the question is answerable, gold unknown.
    - 引用错误: the cited clauses are what the user called wrong, so they are never pre-filled as gold.
    - 不完整 / 不准确 / 其他: the cited clauses are candidates at best; they go to the note, not to gold,
      except for 不完整 alone, where the user accepted the citations and only missed content.
    - A follow-up is exported with its standalone question (the conversation is not stored), the
      original wording kept in the note.
    """
    reasons = list(record.reasons)
    cited = _cited_keys(record)
    notes = [f"{NEEDS_REVIEW}：来自用户反馈（{'、'.join(reasons) or '未选原因'}）"]
    if record.comment:
        notes.append(f"用户说明：{record.comment}")
    question = record.question
    if record.standalone_question and record.standalone_question != record.question:
        question = record.standalone_question
        notes.append(f"原为追问“{record.question}”，已改写为独立问题")
    gold: list[str] = []
    if record.refused:
        notes.append("用户认为不该拒答：请补全标准条款与要点")
    elif "引用错误" in reasons:
        notes.append(f"用户认为这些引用有误：{'、'.join(cited) or '—'}")
    elif reasons == ["不完整"]:
        gold = cited
        notes.append("已引用的条款暂作标准条款，请补全遗漏的条款")
    elif cited:
        notes.append(f"回答引用过：{'、'.join(cited)}（未必正确）")
    return {
        "id": f"fb-{record.answer_id[:12]}",
        "question": question,
        "answerable": True,  # a 👎 says the answer was wrong, never that the question has no answer
        "gold_clauses": gold,
        "key_facts": [],
        "type": "lookup",
        "note": "；".join(notes),
    }


def feedback_drafts(records: list[FeedbackRecord]) -> list[dict[str, Any]]:
    return [feedback_draft(r) for r in records if r.rating == "down"]
