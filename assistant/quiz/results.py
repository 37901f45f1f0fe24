"""Session results: scores, their distribution, and correct rates per question and per source clause."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.quiz.bank import QuizBank
from assistant.quiz.learners import session_rules
from assistant.quiz.scoring import attempt_score
from assistant.quiz.types import Attempt, ClauseStat, QuestionStat, SessionResults

BANDS: tuple[tuple[str, float, float], ...] = (
    ("0–59", 0, 60),
    ("60–69", 60, 70),
    ("70–79", 70, 80),
    ("80–89", 80, 90),
    ("90–100", 90, 100.0001),
)


def score_band(percent: float) -> str:
    return next(label for label, low, high in BANDS if low <= percent < high)


def session_results(bank: QuizBank, session_id: str) -> SessionResults:
    session = bank.session(session_id)
    attempts = bank.attempts(session_id)
    items = {i.id: i for i in bank.items(ids=session.item_ids)}
    finished = [a for a in attempts if a.finished_at]
    # Marks, not a count of right answers: a 多选 may be worth more than a 判断, and partly right earns a share.
    rules = session_rules(session)
    percents = {a.id: attempt_score(a, items, session.item_ids, rules).percent for a in attempts}
    distribution = {label: 0 for label, _, _ in BANDS}
    for attempt in finished:
        distribution[score_band(percents[attempt.id])] += 1
    counted = finished or attempts  # an unfinished session still shows what has been answered
    questions = []
    for position, item_id in enumerate(session.item_ids):
        item = items.get(item_id)
        answers = [r for a in counted for r in a.responses if r.item_id == item_id]
        questions.append(
            QuestionStat(
                position=position + 1,
                item_id=item_id,
                type=item.type if item else "single",
                stem=item.stem if item else "（题目已删除）",
                label=item.label if item else "",
                answered=_answered(counted, item_id),
                correct=sum(1 for r in answers if r.correct),
                hinted=sum(1 for r in answers if r.hinted),
            )
        )
    clauses: dict[str, ClauseStat] = {}
    for stat in questions:
        item = items.get(stat.item_id)
        if item is None:
            continue
        entry = clauses.setdefault(
            item.key, ClauseStat(key=item.key, label=item.label, questions=0, answered=0, correct=0)
        )
        entry.questions += 1
        entry.answered += stat.answered
        entry.correct += stat.correct
    return SessionResults(
        session=session,
        attempts=attempts,
        distribution=distribution,
        questions=questions,
        clauses=sorted(clauses.values(), key=lambda c: (c.rate if c.rate is not None else 2.0, c.label)),
        percents=percents,
    )


def _answered(attempts: list[Attempt], item_id: str) -> int:
    """Finished attempts count every question (unanswered ones as wrong); open ones only what they answered."""
    return sum(1 for a in attempts if a.finished_at or any(r.item_id == item_id for r in a.responses))


def local_time(stamp: str | None, timezone: str = "Asia/Shanghai") -> str:
    """An ISO 8601 UTC stamp as the learner's local time, 2026-11-27 15:04; empty for None or a bad stamp."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
        zone = ZoneInfo(timezone)
    except (ValueError, ZoneInfoNotFoundError):
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
