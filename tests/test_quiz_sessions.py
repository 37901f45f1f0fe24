"""Exam and practice sessions, marks, the learner's record and item analysis, on a real bank of directive items
(the directive parsed, not indexed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.errors import UserError
from assistant.ingest import load_document
from assistant.quiz.analysis import analyse
from assistant.quiz.bank import ALL_LEARNERS, QuizBank
from assistant.quiz.build import build_from_documents
from assistant.quiz.learners import history, wrong_answer_book
from assistant.quiz.results import session_results
from assistant.quiz.scoring import ScoringRules, item_marks, shuffled_options
from assistant.quiz.types import BuildRequest, QuizItem
from tests.conftest import DIRECTIVE


@pytest.fixture(scope="module")
def items() -> list[QuizItem]:
    return build_from_documents([load_document(DIRECTIVE)], BuildRequest(n=12, seed=11)).items


@pytest.fixture
def bank(tmp_path: Path, items: list[QuizItem]) -> QuizBank:
    bank = QuizBank(tmp_path / "bank.sqlite3")
    bank.add(items)
    bank.set_status([i.id for i in items], "approved")
    return bank


def of_type(items: list[QuizItem], kind: str) -> QuizItem:
    return next(i for i in items if i.type == kind)


def test_marks_follow_the_type_and_a_partial_multiple_choice_earns_a_share(items: list[QuizItem]):
    rules = ScoringRules(marks={"single": 2, "multi": 4, "tf": 1, "blank": 2}, multi_partial=0.5)
    multi = of_type(items, "multi")
    assert item_marks(multi, multi.answer, False, rules) == 4
    assert item_marks(multi, multi.answer[:1], False, rules) == 2  # 少选得分
    wrong = next(o for o in multi.options if o not in multi.answer)
    assert item_marks(multi, [multi.answer[0], wrong], False, rules) == 0  # a wrong option loses everything
    strict = rules.model_copy(update={"multi_partial": 0.0})
    assert item_marks(multi, multi.answer[:1], False, strict) == 0


def test_a_hinted_answer_earns_no_marks_unless_configured(items: list[QuizItem]):
    single = of_type(items, "single")
    assert item_marks(single, single.answer, True, ScoringRules()) == 0
    assert item_marks(single, single.answer, True, ScoringRules(hinted_earns=True)) > 0


def test_a_fill_in_accepts_the_short_form_of_a_name():
    item = QuizItem(
        type="blank",
        stem="《指导意见》七、（三十六）组织保障提出：____要加强统筹协调。",
        answer=["国务院西部地区开发领导小组"],
        accepted=["西部地区开发领导小组"],
        doc_id="d",
        clause="三十六",
        label="《指导意见》七、（三十六）组织保障",
        answer_span="国务院西部地区开发领导小组要加强统筹协调",
    )
    assert item.is_correct(["西部地区开发领导小组"]) and item.is_correct(["国务院西部地区开发领导小组"])
    assert not item.is_correct(["领导小组"])


def test_options_are_shuffled_per_learner_but_stable_within_an_attempt(items: list[QuizItem]):
    single = of_type(items, "single")
    orders = {tuple(shuffled_options(single, f"attempt-{n}")) for n in range(20)}
    assert len(orders) > 1
    assert shuffled_options(single, "a") == shuffled_options(single, "a")
    assert sorted(shuffled_options(single, "a")) == sorted(single.options)


def test_an_exam_limits_attempts_refuses_hints_and_keeps_its_window(bank: QuizBank, items: list[QuizItem]):
    now = datetime.now(UTC)
    exam = bank.create_session(
        "期末考试",
        [i.id for i in items],
        mode="exam",
        max_attempts=1,
        opens_at=(now - timedelta(hours=1)).isoformat(),
        closes_at=(now + timedelta(hours=1)).isoformat(),
    )
    bank.assign(exam.id, [ALL_LEARNERS])
    attempt = bank.start_attempt(exam.id, "learner-7")
    with pytest.raises(UserError, match="考试模式不提供提示"):
        bank.open_hint(attempt.id, items[0].id, learner=attempt.trainee)
    with pytest.raises(UserError, match="最多作答 1 次"):
        bank.start_attempt(exam.id, "learner-7")
    bank.start_attempt(exam.id, "learner-8")  # the limit is per learner
    with pytest.raises(UserError, match="尚未开放"):
        bank.start_attempt(exam.id, "learner-9", now=now - timedelta(hours=2))
    with pytest.raises(UserError, match="已经关闭"):
        bank.start_attempt(exam.id, "learner-9", now=now + timedelta(hours=2))


def test_history_and_the_wrong_answer_book_follow_the_learner(bank: QuizBank, items: list[QuizItem]):
    session = bank.create_session("练习", [i.id for i in items], mode="practice")
    bank.assign(session.id, [ALL_LEARNERS])
    first = bank.start_attempt(session.id, "learner-1")
    missed = items[0]
    wrong = ["不是答案"] if missed.type == "blank" else [o for o in missed.options if o not in missed.answer][:1]
    bank.answer(first.id, missed.id, wrong, learner=first.trainee)
    for item in items[1:]:
        bank.answer(first.id, item.id, list(item.answer), learner=first.trainee)
    bank.finish(first.id, learner=first.trainee)
    book = wrong_answer_book(bank, "learner-1")
    assert [w.item.id for w in book] == [missed.id] and book[0].response == wrong
    assert wrong_answer_book(bank, "someone-else") == []
    second = bank.start_attempt(session.id, "learner-1")
    bank.answer(second.id, missed.id, list(missed.answer), learner=second.trainee)
    bank.finish(second.id, learner=second.trainee)
    assert wrong_answer_book(bank, "learner-1") == []  # put right: out of the book
    records = history(bank, "learner-1")
    assert [r.attempt_id for r in records] == [first.id, second.id]
    assert records[0].score.marks < records[0].score.max_marks and records[0].score.passed


def test_item_analysis_flags_what_no_one_and_everyone_gets_right(bank: QuizBank, items: list[QuizItem]):
    session = bank.create_session("分析", [i.id for i in items[:3]], mode="exam")
    bank.assign(session.id, [ALL_LEARNERS])
    hard, easy, split = items[:3]

    def miss(item: QuizItem) -> list[str]:
        return ["错"] if item.type == "blank" else [o for o in item.options if o not in item.answer][:1]

    for n in range(6):
        attempt = bank.start_attempt(session.id, f"learner-{n}")
        bank.answer(attempt.id, hard.id, miss(hard), learner=attempt.trainee)
        bank.answer(attempt.id, easy.id, list(easy.answer), learner=attempt.trainee)
        bank.answer(attempt.id, split.id, list(split.answer) if n >= 3 else miss(split), learner=attempt.trainee)
        bank.finish(attempt.id, learner=attempt.trainee)
    by_id = {a.item_id: a for a in analyse(bank, session)}
    assert by_id[hard.id].facility == 0 and any("无人答对" in f for f in by_id[hard.id].flags)
    assert by_id[easy.id].facility == 1 and any("全部答对" in f for f in by_id[easy.id].flags)
    assert by_id[split.id].facility == 0.5 and by_id[split.id].discrimination == 1.0
    assert by_id[hard.id].estimated_difficulty == "hard" and by_id[easy.id].estimated_difficulty == "easy"
    if easy.type in ("single", "multi"):
        assert by_id[easy.id].choices == dict.fromkeys(easy.answer, 6)


def test_a_paper_is_drawn_at_random_by_type_part_and_difficulty(bank: QuizBank, items: list[QuizItem]):
    from assistant.quiz.draw import draw

    wanted: dict = {"single": 1, "tf": 2}
    first = draw(bank, wanted, seed=1)
    assert [i.type for i in first] == ["single", "tf", "tf"]
    assert all(i.status == "approved" for i in first)
    papers = {tuple(i.id for i in draw(bank, wanted, seed=s)) for s in range(10)}
    assert len(papers) > 1  # a random draw, reproducible by seed
    assert draw(bank, wanted, seed=1) == first
    part_of = {i.key: ("甲" if n % 2 else "乙") for n, i in enumerate(items)}
    in_part = draw(bank, {"tf": 1}, seed=2, parts=["甲"], clauses=part_of)
    assert part_of[in_part[0].key] == "甲"
    with pytest.raises(UserError, match="不够抽取"):
        draw(bank, {"single": 1}, difficulties=["hard"])


def test_the_results_chart_scores_by_marks_not_by_the_count_of_right_answers(bank: QuizBank, items: list[QuizItem]):
    heavy, light = of_type(items, "multi"), of_type(items, "tf")
    scoring = {"marks": {"single": 1, "multi": 9, "tf": 1, "blank": 1}, "pass_percent": 60}
    session = bank.create_session("按分计", [heavy.id, light.id], mode="exam", scoring=scoring)
    bank.assign(session.id, [ALL_LEARNERS])
    wrong_tf = ["错误" if light.answer == ["正确"] else "正确"]
    for learner, answers in (("甲", {heavy.id: heavy.answer, light.id: wrong_tf}), ("乙", {light.id: light.answer})):
        attempt = bank.start_attempt(session.id, learner)
        for item_id, response in answers.items():
            bank.answer(attempt.id, item_id, list(response), learner=attempt.trainee)
        bank.finish(attempt.id, learner=attempt.trainee)
    results = session_results(bank, session.id)
    # One right answer each (50% by count), but 9 of 10 marks against 1 of 10.
    assert results.distribution["90–100"] == 1 and results.distribution["0–59"] == 1
    assert sorted(results.percents.values()) == pytest.approx([10.0, 90.0])
    assert results.mean_percent == pytest.approx(50.0)


def test_only_the_learner_who_started_an_attempt_can_write_to_it(bank: QuizBank, items: list[QuizItem]):
    session = bank.create_session("练习", [i.id for i in items], mode="practice")
    bank.assign(session.id, [ALL_LEARNERS])
    attempt = bank.start_attempt(session.id, "learner-1")
    item = items[0]
    for write in (
        lambda: bank.answer(attempt.id, item.id, list(item.answer), learner="learner-2"),
        lambda: bank.open_hint(attempt.id, item.id, learner="learner-2"),
        lambda: bank.finish(attempt.id, learner="learner-2"),
    ):
        with pytest.raises(UserError, match="不属于当前账号"):
            write()
    unchanged = bank.attempt(attempt.id)
    assert (unchanged.responses, unchanged.hinted, unchanged.finished_at) == ([], [], None)
    assert bank.answer(attempt.id, item.id, list(item.answer), learner="learner-1").correct is True
    assert bank.finish(attempt.id, learner="learner-1").finished_at is not None
