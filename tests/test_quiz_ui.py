"""The quiz pages run headless through AppTest: a trainee takes a session, a trainer builds and approves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from assistant.accounts import account_store
from assistant.quiz.bank import QuizBank
from assistant.quiz.build import build_quiz, checker_for
from assistant.quiz.review import approve
from assistant.quiz.types import FALSE, QUESTION_TYPES, TRUE, BuildRequest, QuizItem, QuizSession
from assistant.service import PolicyAssistant
from assistant.settings import load_settings
from tests.conftest import REPO

APP = REPO / "ui" / "app.py"
HIGHLIGHT = ":orange-background[**"


@pytest.fixture
def data_dir(directive_assistant: PolicyAssistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A per-test copy of the session's data dir: the pages write the bank and the attempts."""
    copy = tmp_path / "app-data"
    shutil.copytree(directive_assistant.settings.data_dir, copy)
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(copy))
    return copy


@pytest.fixture
def session(data_dir: Path, directive_assistant: PolicyAssistant) -> tuple[QuizBank, QuizSession, list[QuizItem]]:
    """One approved question of each type in a session, the way a trainer would have set it up."""
    built = build_quiz(directive_assistant, BuildRequest(n=8, seed=77, generator="offline")).items
    picked = [next(i for i in built if i.type == t) for t in QUESTION_TYPES]
    bank = QuizBank(data_dir / "quiz.sqlite3")
    bank.add(picked, author="培训老师")
    approve(bank, [i.id for i in picked], checker_for(directive_assistant.index.documents))
    quiz = bank.create_session("第一期培训测验", [i.id for i in picked])
    return bank, quiz, bank.items(ids=quiz.item_ids)


def start_app(page: str) -> AppTest:
    # The assistant is a process-wide cache_resource; a fresh one reads this test's data dir.
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=120)
    # Signed in as someone who may build, review and take quizzes (the pages check roles).
    store = account_store(load_settings())
    if store.get("trainer") is None:
        store.add("trainer", "quiz-pages-password", ["trainer", "learner"], actor="test")
    at.session_state["session_token"] = store.start_session("trainer")
    at.run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def give(at: AppTest, item: QuizItem, response: list[str]) -> None:
    """Answer one question through its widgets."""
    key = f"quiz-answer-{item.id}"
    if item.type == "multi":
        for i, option in enumerate(item.options):
            box = at.checkbox(key=f"{key}-{i}")
            box.check() if option in response else box.uncheck()
    elif item.type == "blank":
        at.text_input(key=key).input(response[0])
    else:
        at.radio(key=key).set_value(response[0])


def wrong(item: QuizItem) -> list[str]:
    if item.type == "tf":
        return [FALSE if item.answer == [TRUE] else TRUE]
    if item.type == "blank":
        return ["随便写的"]
    if item.type == "multi":
        return item.answer[:1]  # some of the right options is not all of them
    return [next(o for o in item.options if o not in item.answer)]


def test_a_session_taken_in_the_ui_records_the_score_of_the_answers_given(session):
    bank, quiz, items = session
    at = start_app("views/quiz_take.py")
    at.selectbox(key="quiz-take-session").set_value(quiz.id)
    at.text_input(key="quiz-take-name").input("王小明")
    at.button(key="quiz-start").click().run()
    assert not at.exception, at.exception

    plan = [(items[0], list(items[0].answer), False), (items[1], wrong(items[1]), True)]
    plan += [(items[2], list(items[2].answer), True), (items[3], wrong(items[3]), False)]
    for position, (item, response, hint_first) in enumerate(plan):
        assert f"第 {position + 1} / 4 题" in at.main.get("progress")[0].proto.text
        assert not any(HIGHLIGHT in m.value for m in at.markdown)  # the source stays hidden until asked for
        if hint_first:
            at.button(key="quiz-hint").click().run()
            assert "已查看提示，本题将标记为“看过提示”。" in [c.value for c in at.caption]
            assert any(HIGHLIGHT in m.value for m in at.markdown)  # the answer span, highlighted in its clause
        give(at, item, response)
        at.button(key="quiz-submit").click().run()
        assert not at.exception, at.exception
        verdicts = [s.value for s in at.success] + [e.value for e in at.error]
        assert verdicts and verdicts[0].startswith("回答正确" if response == item.answer else "回答错误")
        assert any(HIGHLIGHT in m.value for m in at.markdown)  # after answering, the source is shown
        last = position == len(plan) - 1
        at.button(key="quiz-finish" if last else "quiz-next").click().run()
        assert not at.exception, at.exception

    (metric,) = at.metric
    assert metric.value == "2 / 4"
    (attempt,) = bank.attempts(quiz.id)
    assert attempt.trainee == "王小明" and attempt.finished_at is not None
    assert attempt.score == 2
    assert [r.correct for r in attempt.responses] == [True, False, True, False]
    assert [r.hinted for r in attempt.responses] == [False, True, True, False]
    assert [r.response for r in attempt.responses] == [p[1] for p in plan]
    # The score page explains and cites every question.
    labels = [c.value.replace("\\", "") for c in at.caption]
    assert all(f"出处：{i.label}" in labels for i in items)


def test_an_exam_hides_answers_navigates_and_asks_before_handing_in(session):
    bank, _practice, items = session
    exam = bank.create_session("结业考试", [i.id for i in items], time_limit_minutes=30, mode="exam")
    at = start_app("views/quiz_take.py")
    at.selectbox(key="quiz-take-session").set_value(exam.id)
    at.text_input(key="quiz-take-name").input("learner-42")
    at.button(key="quiz-start").click().run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "quiz-hint"]  # no hints in an exam
    assert any(c.value.startswith("剩余时间 ") for c in at.caption)  # the live countdown
    give(at, items[0], list(items[0].answer))
    at.button(key="quiz-next").click().run()
    assert not at.success and not at.error  # no verdict before 交卷
    assert at.button(key="quiz-goto-0").label == "1" and at.button(key="quiz-goto-2").label == "3 ○"
    give(at, items[1], wrong(items[1]))
    at.button(key="quiz-prev").click().run()  # back to the first, answer kept and changeable
    give(at, items[0], wrong(items[0]))
    at.button(key="quiz-finish").click().run()
    assert at.warning[0].value.startswith("还有第 3、4 题未作答")
    assert bank.attempts(exam.id)[0].finished_at is None  # nothing handed in before the confirmation
    at.button(key="quiz-confirm").click().run()
    assert not at.exception, at.exception
    (attempt,) = bank.attempts(exam.id)
    assert attempt.finished_at is not None and attempt.trainee == "learner-42"
    assert [r.response for r in attempt.responses] == [wrong(items[0]), wrong(items[1])]
    assert any("及格线" in c.value and "未通过" in c.value for c in at.caption)


def test_a_signed_in_learner_takes_a_session_under_their_account(session):
    bank, quiz, _items = session
    at = AppTest.from_file(str(APP), default_timeout=120)
    st.cache_resource.clear()
    at.session_state["user"] = {"id": "u-1001", "username": "wangxm"}
    at.run()
    at.switch_page("views/quiz_take.py").run()
    assert not [t for t in at.text_input if t.key == "quiz-take-name"]  # no name to type
    at.selectbox(key="quiz-take-session").set_value(quiz.id)
    at.button(key="quiz-start").click().run()
    assert [a.trainee for a in bank.attempts(quiz.id)] == ["u-1001"]


def test_a_trainee_must_give_a_name_and_an_answer(session):
    bank, quiz, _items = session
    at = start_app("views/quiz_take.py")
    at.button(key="quiz-start").click().run()
    assert [e.value for e in at.error] == ["请输入姓名后再开始答题。"]
    at.text_input(key="quiz-take-name").input("李四")
    at.button(key="quiz-start").click().run()
    at.button(key="quiz-submit").click().run()
    assert [w.value for w in at.warning] == ["请先作答再提交。"]
    assert bank.attempts(quiz.id)[0].responses == []


def test_a_trainer_builds_questions_into_the_bank_and_bulk_approves_them(data_dir: Path):
    at = start_app("views/quiz_build.py")
    at.multiselect(key="qb-scope").set_value(["第二部分"])
    at.number_input(key="qb-n").set_value(6)
    at.text_input(key="qb-seed").input("9")
    at.button(key="qb-build").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("第二部分“贯彻新发展理念,推动高质量发展”（7 个条款）：生成 6 道")
    bank = QuizBank(data_dir / "quiz.sqlite3")
    assert bank.counts() == {"draft": 6}
    at.button(key="qb-bulk").click().run()
    assert not at.exception, at.exception
    assert bank.counts() == {"approved": 6}
    at.button(key="qb-create-session").click().run()
    assert not at.exception, at.exception
    (created,) = bank.sessions()
    assert len(created.item_ids) == 6


def test_the_results_page_charts_a_session(session):
    bank, quiz, items = session
    for name, right in (("甲", True), ("乙", False)):
        attempt = bank.start_attempt(quiz.id, name)
        for item in items:
            bank.answer(attempt.id, item.id, list(item.answer) if right else wrong(item))
        bank.finish(attempt.id)
    at = start_app("views/quiz_results.py")
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已交卷"] == "2" and metrics["平均分（百分制）"] == "50"
    charts = at.main.get("vega_lite_chart")
    assert len(charts) == 3  # score distribution, per question, per clause
