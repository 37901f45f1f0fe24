"""The question bank: review states, sessions of approved items, graded attempts, hints, time limits, results."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant.errors import UserError
from assistant.quiz.bank import ALL_LEARNERS, QuizBank, quiz_bank
from assistant.quiz.build import build_quiz, checker_for
from assistant.quiz.gates import Checker
from assistant.quiz.results import session_results
from assistant.quiz.review import approve, edit, reject
from assistant.quiz.scoring import ScoringRules
from assistant.quiz.types import BLANK, FALSE, TRUE, BuildRequest, QuizItem
from assistant.service import PolicyAssistant
from assistant.settings import Settings


@pytest.fixture(scope="module")
def items(directive_assistant: PolicyAssistant) -> list[QuizItem]:
    return build_quiz(directive_assistant, BuildRequest(n=8, seed=31, generator="offline")).items


@pytest.fixture(scope="module")
def checker(directive_assistant: PolicyAssistant) -> Checker:
    return checker_for(directive_assistant.index.documents)


@pytest.fixture
def bank(isolated_environment: Path) -> QuizBank:
    return quiz_bank(Settings())


def right(item: QuizItem) -> list[str]:
    return list(item.answer)


def wrong(item: QuizItem) -> list[str]:
    if item.type == "tf":
        return [FALSE if item.answer == [TRUE] else TRUE]
    if item.type == "blank":
        return ["不是这个词"]
    return [next(o for o in item.options if o not in item.answer)]


def test_the_bank_lives_in_the_data_dir_and_new_items_are_drafts(bank: QuizBank, items: list[QuizItem]):
    assert bank.path == Settings().data_dir / "quiz.sqlite3"
    added = bank.add(items, author="李老师")
    assert len(added) == len(items)
    assert all(i.status == "draft" and i.author == "李老师" and i.created_at for i in added)
    assert bank.add(items) == []  # the same questions are not stored twice
    assert bank.items("draft") == added
    assert bank.counts() == {"draft": len(items)}


def test_approval_needs_the_gates_and_rejection_does_not(bank: QuizBank, items: list[QuizItem], checker: Checker):
    stored = bank.add(items)
    broken = bank.update(stored[0].model_copy(update={"answer_span": "原文中没有的一句话"}))
    outcome = approve(bank, [i.id for i in stored], checker)
    assert outcome.approved == len(items) - 1
    assert list(outcome.skipped) == [broken.id]
    assert outcome.skipped[broken.id] == ["答案未能在原文出处中逐字核实"]
    assert reject(bank, [broken.id]) == 1
    assert bank.counts() == {"approved": len(items) - 1, "rejected": 1}


def test_an_edit_returns_the_item_to_draft_and_reports_what_it_breaks(
    bank: QuizBank, items: list[QuizItem], checker: Checker
):
    blank = next(i for i in bank.add(items) if i.type == "blank")
    approve(bank, [blank.id], checker)
    saved, problems = edit(
        bank,
        bank.get(blank.id) or blank,
        stem=blank.stem,
        options=[],
        answer=["别的词"],
        explanation="改过的解析",
        answer_span=blank.answer_span,
        checker=checker,
    )
    assert saved.status == "draft" and saved.explanation == "改过的解析" and saved.id == blank.id
    assert "答案未能在原文出处中逐字核实" in problems
    with pytest.raises(UserError, match="填空题的题干中需要用"):
        edit(
            bank,
            saved,
            stem=blank.stem.replace(BLANK, "（ ）"),
            options=[],
            answer=blank.answer,
            explanation="",
            answer_span=blank.answer_span,
            checker=checker,
        )


def test_a_session_takes_only_approved_items(bank: QuizBank, items: list[QuizItem], checker: Checker):
    stored = bank.add(items)
    with pytest.raises(UserError, match="尚未通过审核"):
        bank.create_session("第一期", [i.id for i in stored])
    approve(bank, [i.id for i in stored], checker)
    with pytest.raises(UserError, match="请填写测验名称"):
        bank.create_session("  ", [stored[0].id])
    session = bank.create_session("第一期", [i.id for i in stored], time_limit_minutes=30, author="李老师")
    bank.assign(session.id, [ALL_LEARNERS])
    assert bank.session(session.id) == session
    assert bank.sessions() == [session]
    with pytest.raises(UserError, match="找不到这场测验"):
        bank.session("nope")


def take(bank: QuizBank, session_id: str, name: str, answers: dict[str, list[str]]) -> int:
    attempt = bank.start_attempt(session_id, name)
    for item_id, response in answers.items():
        bank.answer(attempt.id, item_id, response, learner=attempt.trainee)
    return bank.finish(attempt.id, learner=attempt.trainee).score


def test_an_attempt_is_graded_all_or_nothing_and_hints_are_marked(
    bank: QuizBank, items: list[QuizItem], checker: Checker
):
    stored = bank.add(items)
    approve(bank, [i.id for i in stored], checker)
    session = bank.create_session("第一期", [i.id for i in stored])
    bank.assign(session.id, [ALL_LEARNERS])
    attempt = bank.start_attempt(session.id, "  王 小明 ")
    assert attempt.trainee == "王 小明" and attempt.total == len(stored)
    multi = next((i for i in stored if i.type == "multi"), None)
    for index, item in enumerate(stored):
        if index == 0:
            bank.open_hint(attempt.id, item.id, learner=attempt.trainee)
        response = right(item) if index % 2 == 0 else wrong(item)
        if item is multi:
            response = item.answer[:-1]  # part of the right options is still wrong
        bank.answer(attempt.id, item.id, response, learner=attempt.trainee)
    with pytest.raises(UserError, match="已经作答"):
        bank.answer(attempt.id, stored[0].id, right(stored[0]), learner=attempt.trainee)
    done = bank.finish(attempt.id, learner=attempt.trainee)
    expected = sum(1 for index, item in enumerate(stored) if index % 2 == 0 and item is not multi)
    assert done.score == expected
    assert [r.hinted for r in done.responses] == [True] + [False] * (len(stored) - 1)
    with pytest.raises(UserError, match="已经交卷"):
        bank.answer(attempt.id, stored[1].id, right(stored[1]), learner=attempt.trainee)


def test_a_blank_is_right_whatever_the_width_and_spacing(items: list[QuizItem]):
    blank = next(i for i in items if i.type == "blank")
    answer = blank.answer[0]
    assert blank.is_correct([f" “{answer}” "])
    assert not blank.is_correct([answer + "区"])
    assert not blank.is_correct([])


def test_answers_after_the_time_limit_do_not_count(bank: QuizBank, items: list[QuizItem], checker: Checker):
    stored = bank.add(items)
    approve(bank, [i.id for i in stored], checker)
    session = bank.create_session("限时", [i.id for i in stored], time_limit_minutes=10)
    bank.assign(session.id, [ALL_LEARNERS])
    attempt = bank.start_attempt(session.id, "赵六")
    started = datetime.fromisoformat(attempt.started_at)
    assert bank.deadline(attempt) == started + timedelta(minutes=10)
    bank.answer(attempt.id, stored[0].id, right(stored[0]), now=started + timedelta(minutes=9), learner=attempt.trainee)
    with pytest.raises(UserError, match="已超过答题时限"):
        bank.answer(
            attempt.id, stored[1].id, right(stored[1]), now=started + timedelta(minutes=11), learner=attempt.trainee
        )
    assert bank.finish(attempt.id, learner=attempt.trainee).score == 1


def test_results_show_the_distribution_and_correct_rates_per_question_and_clause(
    bank: QuizBank, items: list[QuizItem], checker: Checker
):
    stored = bank.add(items)
    approve(bank, [i.id for i in stored], checker)
    session = bank.create_session("第一期", [i.id for i in stored])
    bank.assign(session.id, [ALL_LEARNERS])
    first, second = stored[0], stored[1]
    everyone_right = {i.id: right(i) for i in stored}
    first_wrong = {**everyone_right, first.id: wrong(first)}
    scores = [
        take(bank, session.id, "甲", everyone_right),
        take(bank, session.id, "乙", first_wrong),
        take(bank, session.id, "丙", {first.id: wrong(first)}),  # the rest unanswered: wrong
    ]
    assert scores == [len(stored), len(stored) - 1, 0]
    bank.start_attempt(session.id, "丁")  # not handed in: not in the statistics
    results = session_results(bank, session.id)
    assert len(results.attempts) == 4 and len(results.finished) == 3
    assert sum(results.distribution.values()) == 3
    assert results.distribution["0–59"] == 1 and results.distribution["90–100"] >= 1
    by_id = {q.item_id: q for q in results.questions}
    assert (by_id[first.id].answered, by_id[first.id].correct) == (3, 1)
    assert (by_id[second.id].answered, by_id[second.id].correct) == (3, 2)
    assert [q.position for q in results.questions] == list(range(1, len(stored) + 1))
    clause = next(c for c in results.clauses if c.key == first.key)
    same_clause = [q for q in results.questions if q.item_id in {i.id for i in stored if i.key == first.key}]
    assert clause.questions == len(same_clause)
    assert clause.correct == sum(q.correct for q in same_clause)
    rates = [c.rate for c in results.clauses]
    assert rates == sorted(rates)  # the clauses people get wrong first
    rules = ScoringRules()
    full = sum(rules.marks[i.type] for i in stored)
    by_marks = [100 * full / full, 100 * (full - rules.marks[first.type]) / full, 0.0]
    assert results.mean_percent == pytest.approx(sum(by_marks) / 3)  # marks, not a count of right answers


def test_a_trainee_needs_a_name(bank: QuizBank, items: list[QuizItem], checker: Checker):
    stored = bank.add(items[:2])
    approve(bank, [i.id for i in stored], checker)
    session = bank.create_session("第一期", [i.id for i in stored])
    bank.assign(session.id, [ALL_LEARNERS])
    with pytest.raises(UserError, match="请输入姓名"):
        bank.start_attempt(session.id, "   ")
