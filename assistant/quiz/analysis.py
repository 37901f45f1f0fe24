"""Item analysis over finished attempts: facility, discrimination (upper minus lower group), distractor counts,
flags for items no one or everyone gets right, and a difficulty estimated from the results."""

from __future__ import annotations

from collections import Counter

from pydantic import Field

from assistant.quiz.bank import QuizBank
from assistant.quiz.learners import session_rules
from assistant.quiz.scoring import attempt_score
from assistant.quiz.types import Difficulty, Model, QuizSession

GROUP_SHARE = 0.27
"""Upper and lower groups are the top and bottom 27% of finished attempts by marks (Kelley's rule)."""
EASY_FACILITY, HARD_FACILITY = 0.8, 0.4
"""Facility above EASY is easy, below HARD is hard (classical test theory bands)."""


class ItemAnalysis(Model):
    item_id: str
    position: int
    answered: int
    facility: float | None = Field(description="Share of finished attempts that answered it right.")
    discrimination: float | None = Field(description="Facility in the upper group minus the lower group.")
    choices: dict[str, int] = Field(default_factory=dict, description="How many chose each option.")
    flags: list[str] = Field(default_factory=list, description="Chinese notes for the trainer.")
    estimated_difficulty: Difficulty | None = None


def analyse(bank: QuizBank, session: QuizSession) -> list[ItemAnalysis]:
    """One analysis per item of the session, in paper order."""
    items = {i.id: i for i in bank.items(ids=session.item_ids)}
    rules = session_rules(session)
    finished = [a for a in bank.attempts(session.id) if a.finished_at]
    ranked = sorted(finished, key=lambda a: attempt_score(a, items, session.item_ids, rules).marks)
    size = max(1, round(len(ranked) * GROUP_SHARE)) if len(ranked) >= 2 else 0
    lower, upper = ranked[:size], ranked[len(ranked) - size :] if size else []
    out = []
    for position, item_id in enumerate(session.item_ids, start=1):
        item = items.get(item_id)

        def right(attempt, item_id=item_id) -> bool:
            return any(r.item_id == item_id and r.correct for r in attempt.responses)

        choices: Counter[str] = Counter()
        for attempt in finished:
            for response in attempt.responses:
                if response.item_id == item_id:
                    choices.update(response.response)
        answered = sum(1 for a in finished if any(r.item_id == item_id for r in a.responses))
        facility = sum(right(a) for a in finished) / len(finished) if finished else None
        discrimination = None
        if size:
            discrimination = sum(right(a) for a in upper) / size - sum(right(a) for a in lower) / size
        flags = []
        if facility == 0.0:
            flags.append("无人答对：请核对答案或题干是否有误。")
        elif facility == 1.0:
            flags.append("全部答对：题目可能过于简单。")
        if discrimination is not None and discrimination < 0:
            flags.append("区分度为负：成绩差的学员反而答得更好，请检查题目。")
        if item is not None and item.type in ("single", "multi"):
            unused = [o for o in item.options if o not in item.answer and not choices.get(o)]
            if finished and unused:
                flags.append(f"无人选择的干扰项：{'、'.join(unused)}。")
        estimated: Difficulty | None = None
        if facility is not None:
            estimated = "easy" if facility >= EASY_FACILITY else "hard" if facility < HARD_FACILITY else "medium"
        out.append(
            ItemAnalysis(
                item_id=item_id,
                position=position,
                answered=answered,
                facility=facility,
                discrimination=discrimination,
                choices=dict(choices),
                flags=flags,
                estimated_difficulty=estimated,
            )
        )
    return out
