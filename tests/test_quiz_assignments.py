"""Sessions are assigned to learners (or to all learners) and offered only within their opening window."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.errors import UserError
from assistant.quiz.bank import ALL_LEARNERS, QuizBank
from assistant.quiz.types import QuizItem

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@pytest.fixture
def bank(tmp_path: Path) -> QuizBank:
    bank = QuizBank(tmp_path / "quiz.sqlite3")
    item = QuizItem(
        id="q1",
        type="tf",
        doc_id="d",
        clause="一",
        label="《测试》一",
        stem="测试题干",
        options=["正确", "错误"],
        answer=["正确"],
        answer_span="测试",
        status="approved",
    )
    bank.upsert([item])
    return bank


def test_a_session_is_offered_only_to_the_learners_it_is_assigned_to(bank: QuizBank):
    one = bank.create_session("甲", ["q1"])
    everyone = bank.create_session("乙", ["q1"])
    nobody = bank.create_session("丙", ["q1"])
    bank.assign(one.id, ["li", "li", " "])
    bank.assign(everyone.id, ["wang", ALL_LEARNERS])
    assert bank.assignees(one.id) == ["li"]
    assert bank.assignees(everyone.id) == [ALL_LEARNERS]
    assert bank.assignees(nobody.id) == []
    assert {s.id for s in bank.sessions_for("li")} == {one.id, everyone.id}
    assert [s.id for s in bank.sessions_for("zhang")] == [everyone.id]
    assert bank.assigned_to(one.id, "li") and not bank.assigned_to(one.id, "zhang")
    bank.assign(one.id, ["zhang"])  # a new assignment replaces the old one
    assert not bank.assigned_to(one.id, "li") and bank.assigned_to(one.id, "zhang")
    with pytest.raises(UserError):
        bank.assign(one.id, [])


def test_only_sessions_open_now_are_offered(bank: QuizBank):
    early = bank.create_session("已结束", ["q1"], closes_at="2026-11-27T07:00:00+00:00")
    late = bank.create_session("未开始", ["q1"], opens_at="2026-11-27T09:00:00+00:00")
    now = bank.create_session(
        "进行中", ["q1"], opens_at="2026-11-27T07:00:00+00:00", closes_at="2026-11-27T09:00:00+00:00"
    )
    for s in (early, late, now):
        bank.assign(s.id, [ALL_LEARNERS])
    assert [s.id for s in bank.sessions_for("li", now=NOW)] == [now.id]
    assert len(bank.sessions_for("li", now=NOW, open_only=False)) == 3


def test_a_learners_attempts_are_theirs_alone(bank: QuizBank):
    session = bank.create_session("甲", ["q1"])
    bank.assign(session.id, [ALL_LEARNERS])
    mine = bank.start_attempt(session.id, "li")
    bank.start_attempt(session.id, "wang")
    assert [a.id for a in bank.attempts_of("li")] == [mine.id]


def test_an_attempt_starts_only_for_a_learner_the_session_is_assigned_to(bank: QuizBank):
    session = bank.create_session("甲", ["q1"])
    with pytest.raises(UserError, match="没有分配给您"):
        bank.start_attempt(session.id, "li")  # assigned to no one yet
    bank.assign(session.id, ["li"])
    assert bank.start_attempt(session.id, "li").trainee == "li"
    with pytest.raises(UserError, match="没有分配给您"):
        bank.start_attempt(session.id, "wang")  # another learner, whatever page they came from
    bank.assign(session.id, ["wang"])
    with pytest.raises(UserError, match="没有分配给您"):
        bank.start_attempt(session.id, "li")  # the assignment was replaced
    bank.assign(session.id, [ALL_LEARNERS])
    assert bank.start_attempt(session.id, "zhang").trainee == "zhang"
    assert [a.trainee for a in bank.attempts(session.id)] == ["li", "zhang"]
