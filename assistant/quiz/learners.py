"""One learner's record: attempts with their marks under each session's rules, and the wrong-answer book (错题本).

The learner id is whatever the caller authenticates (the accounts' user id); these functions never ask who
the learner is, they are told.
"""

from __future__ import annotations

from assistant.quiz.bank import QuizBank
from assistant.quiz.scoring import Score, ScoringRules, attempt_score, item_marks
from assistant.quiz.types import Attempt, Model, QuizItem, QuizSession


class AttemptRecord(Model):
    session_id: str
    title: str
    attempt_id: str
    started_at: str
    finished_at: str | None
    score: Score


class WrongAnswer(Model):
    """An item the learner got wrong (or only partly right), with their latest answer to it."""

    item: QuizItem
    response: list[str]
    times_wrong: int
    last_at: str | None


def session_rules(session: QuizSession) -> ScoringRules:
    return ScoringRules.model_validate(session.scoring)


def learner_attempts(bank: QuizBank, learner_id: str) -> list[tuple[QuizSession, Attempt]]:
    """Every attempt of this learner, oldest first, with its session."""
    out = []
    for session in bank.sessions():
        out += [(session, a) for a in bank.attempts(session.id) if a.trainee == learner_id]
    return sorted(out, key=lambda pair: pair[1].started_at)


def history(bank: QuizBank, learner_id: str) -> list[AttemptRecord]:
    """The learner's attempts with their marks, oldest first."""
    records = []
    for session, attempt in learner_attempts(bank, learner_id):
        items = {i.id: i for i in bank.items(ids=session.item_ids)}
        records.append(
            AttemptRecord(
                session_id=session.id,
                title=session.title,
                attempt_id=attempt.id,
                started_at=attempt.started_at,
                finished_at=attempt.finished_at,
                score=attempt_score(attempt, items, session.item_ids, session_rules(session)),
            )
        )
    return records


def wrong_answer_book(bank: QuizBank, learner_id: str) -> list[WrongAnswer]:
    """Items the learner answered without full marks in a finished attempt, and not answered right since
    (a question left unanswered is not a wrong answer to revisit)."""
    book: dict[str, WrongAnswer] = {}
    for session, attempt in learner_attempts(bank, learner_id):
        if attempt.finished_at is None:
            continue
        rules = session_rules(session).model_copy(update={"hinted_earns": True})
        items = {i.id: i for i in bank.items(ids=session.item_ids)}
        answered = {r.item_id: r for r in attempt.responses}
        for item_id in session.item_ids:
            item = items.get(item_id)
            if item is None:
                continue
            response = answered.get(item_id)
            if response is None:
                continue  # left unanswered: scored as wrong, but there is no wrong answer to revisit
            given = response.response
            full = item_marks(item, given, False, rules) >= rules.marks.get(item.type, 1.0)
            if full:
                book.pop(item_id, None)  # answered right later: out of the book
                continue
            before = book.get(item_id)
            book[item_id] = WrongAnswer(
                item=item,
                response=given,
                times_wrong=(before.times_wrong if before else 0) + 1,
                last_at=attempt.finished_at,
            )
    return sorted(book.values(), key=lambda w: (-w.times_wrong, w.last_at or ""))
