"""The quiz pages run headless through AppTest, signed in as trainers and learners: a learner takes the sessions
assigned to them, a trainer builds, approves (audited), assigns and reads results and item analysis; a learner
sees only their own results."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from assistant.accounts import account_store
from assistant.audit import audit_log
from assistant.quiz.bank import ALL_LEARNERS, QuizBank
from assistant.quiz.build import build_quiz, checker_for
from assistant.quiz.review import approve
from assistant.quiz.types import FALSE, QUESTION_TYPES, TRUE, BuildRequest, QuizItem, QuizSession
from assistant.service import PolicyAssistant
from assistant.settings import load_settings
from tests.conftest import REPO

APP = REPO / "ui" / "app.py"
HIGHLIGHT = ":orange-background[**"
TRAINER = ("trainer", ("trainer", "learner"))


@pytest.fixture
def data_dir(directive_assistant: PolicyAssistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A per-test copy of the session's data dir: the pages write the bank and the attempts."""
    copy = tmp_path / "app-data"
    shutil.copytree(directive_assistant.settings.data_dir, copy)
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(copy))
    return copy


@pytest.fixture
def session(data_dir: Path, directive_assistant: PolicyAssistant) -> tuple[QuizBank, QuizSession, list[QuizItem]]:
    """One approved question of each type in a session for all learners, the way a trainer would have set it up."""
    built = build_quiz(directive_assistant, BuildRequest(n=40, seed=77, generator="offline")).items
    # The multiple choice with two wrong options at least (the results test answers with each of two).
    picked = [
        next(i for i in built if i.type == t and (t != "multi" or len(i.options) - len(i.answer) >= 2))
        for t in QUESTION_TYPES
    ]
    bank = QuizBank(data_dir / "quiz.sqlite3")
    bank.add(picked, author="培训老师")
    approve(bank, [i.id for i in picked], checker_for(directive_assistant.index.documents))
    quiz = bank.create_session("第一期培训测验", [i.id for i in picked])
    bank.assign(quiz.id, [ALL_LEARNERS])
    return bank, quiz, bank.items(ids=quiz.item_ids)


def account(username: str, roles: tuple[str, ...] = ("learner",)) -> str:
    """An account in this test's data dir (created once); returns its user id."""
    store = account_store(load_settings())
    if store.get(username) is None:
        store.add(username, "quiz-pages-password", roles, actor="test", display_name=username)
    return username


def start_app(page: str, user: tuple[str, tuple[str, ...]] = TRAINER, **query: str) -> AppTest:
    """The app signed in as this user (the pages check roles), opened at a page with these query parameters."""
    # The assistant is a process-wide cache_resource; a fresh one reads this test's data dir.
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=120)
    username, roles = user
    account(username, roles)
    at.session_state["session_token"] = account_store(load_settings()).start_session(username)
    at.run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    if query:
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
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


LEARNER = ("wangxm", ("learner",))


def test_a_session_taken_in_the_ui_records_the_score_of_the_answers_given(session):
    bank, quiz, items = session
    at = start_app("views/quiz_take.py", LEARNER)
    assert not [t for t in at.text_input if t.key == "quiz-take-name"]  # the learner is the signed-in account
    at.selectbox(key="quiz-take-session").set_value(quiz.id)
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
        # Practice: a hinted answer is told it earns nothing (the default scoring), and the explanation follows.
        assert ("本题作答前查看了提示，不计分。" in [c.value for c in at.caption]) == hint_first
        if item.explanation:
            assert any(m.value.startswith("解析：") for m in at.markdown)
        last = position == len(plan) - 1
        at.button(key="quiz-finish" if last else "quiz-next").click().run()
        assert not at.exception, at.exception

    (metric,) = at.metric
    assert metric.value == "2 / 4"
    (attempt,) = bank.attempts(quiz.id)
    assert attempt.trainee == "wangxm" and attempt.finished_at is not None
    assert attempt.score == 2
    assert [r.correct for r in attempt.responses] == [True, False, True, False]
    assert [r.hinted for r in attempt.responses] == [False, True, True, False]
    assert [r.response for r in attempt.responses] == [p[1] for p in plan]
    # The hinted right answer earned nothing: only the first (single choice, 2 marks) counts.
    assert any(c.value.startswith("得分 2 / 8 分") for c in at.caption)
    # The score page explains and cites every question.
    labels = [c.value.replace("\\", "") for c in at.caption]
    assert all(f"出处：{i.label}" in labels for i in items)


def shown_text(at: AppTest) -> str:
    return "\n".join(e.value for kind in (at.markdown, at.caption, at.success, at.error, at.info) for e in kind)


def test_an_exam_hides_answers_navigates_and_asks_before_handing_in(session):
    bank, _practice, items = session
    exam = bank.create_session("结业考试", [i.id for i in items], time_limit_minutes=30, mode="exam")
    bank.assign(exam.id, ["learner-42"])
    at = start_app("views/quiz_take.py", ("learner-42", ("learner",)))
    at.selectbox(key="quiz-take-session").set_value(exam.id)
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
    assert "正确答案" not in shown_text(at) and "解析：" not in shown_text(at)  # no answers before 交卷
    at.button(key="quiz-confirm").click().run()
    assert not at.exception, at.exception
    (attempt,) = bank.attempts(exam.id)
    assert attempt.finished_at is not None and attempt.trainee == "learner-42"
    assert [r.response for r in attempt.responses] == [wrong(items[0]), wrong(items[1])]
    assert any("及格线" in c.value and "未通过" in c.value for c in at.caption)
    assert "正确答案" in shown_text(at)  # revealed after 交卷


def test_a_trainer_assigns_an_exam_to_one_learner_and_only_that_learner_sees_it(session):
    bank, practice, _items = session
    account("lixue")
    account("zhangsan")
    at = start_app("views/quiz_build.py")
    at.text_input(key="qb-session-title").input("结业考试")
    at.radio(key="qb-mode").set_value("exam")
    at.number_input(key="qb-tries").set_value(1)
    at.multiselect(key="qb-assign").set_value(["lixue"])
    at.button(key="qb-create-session").click().run()
    assert not at.exception, at.exception
    exam = next(s for s in bank.sessions() if s.title == "结业考试")
    assert exam.mode == "exam" and exam.max_attempts == 1 and bank.assignees(exam.id) == ["lixue"]
    assert any(m.value.startswith("已创建考试“结业考试”") and "lixue" in m.value for m in at.success)
    (sessions,) = [d.value for d in at.dataframe if "分配给" in d.value.columns]
    row = sessions[sessions["测验"] == "结业考试"].iloc[0]
    assert (row["模式"], row["作答次数"], row["分配给"], row["开始时间"]) == ("考试", "1 次", "lixue", "随时")
    assert not any("None" in str(v) for v in sessions.to_numpy().ravel())

    mine = start_app("views/quiz_take.py", ("lixue", ("learner",)))
    assert any("结业考试" in o for o in mine.selectbox(key="quiz-take-session").options)
    other = start_app("views/quiz_take.py", ("zhangsan", ("learner",)))
    options = other.selectbox(key="quiz-take-session").options
    assert options and not any("结业考试" in o for o in options)  # only the session for all learners
    # A typed URL to the exam does not reach it either.
    other = start_app("views/quiz_take.py", ("zhangsan", ("learner",)), session=exam.id)
    assert other.selectbox(key="quiz-take-session").value == practice.id


def test_a_session_outside_its_opening_window_is_not_offered(session):
    bank, _practice, items = session
    later = bank.create_session(
        "下周测验", [i.id for i in items], opens_at="2999-01-01T00:00:00+00:00", closes_at="2999-01-02T00:00:00+00:00"
    )
    bank.assign(later.id, ["lixue"])
    at = start_app("views/quiz_take.py", ("lixue", ("learner",)))
    assert not any("下周测验" in o for o in at.selectbox(key="quiz-take-session").options)


def test_a_learner_must_give_an_answer(session):
    bank, quiz, _items = session
    at = start_app("views/quiz_take.py", LEARNER)
    at.button(key="quiz-start").click().run()
    at.button(key="quiz-submit").click().run()
    assert [w.value for w in at.warning] == ["请先作答再提交。"]
    assert bank.attempts(quiz.id)[0].responses == []


def test_a_trainer_builds_questions_into_the_bank_and_bulk_approves_them_with_an_audit_row_each(data_dir: Path):
    at = start_app("views/quiz_build.py")
    at.multiselect(key="qb-scope").set_value(["第二部分"])
    at.number_input(key="qb-n").set_value(5)
    at.text_input(key="qb-seed").input("9")
    at.button(key="qb-build").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("第二部分“贯彻新发展理念,推动高质量发展”（7 个条款）：生成 5 道")
    bank = QuizBank(data_dir / "quiz.sqlite3")
    assert bank.counts() == {"draft": 5}
    at.button(key="qb-bulk").click().run()
    assert not at.exception, at.exception
    assert bank.counts() == {"approved": 5}
    assert "已通过 5 道。" in [s.value for s in at.success]  # the count survives the page's rerun
    approvals = audit_log(load_settings()).entries(action="approve")
    assert sorted(e.target for e in approvals) == sorted(i.id for i in bank.items())
    assert {e.actor for e in approvals} == {"trainer"}
    at.button(key="qb-create-session").click().run()
    assert [e.value for e in at.error] == ["请选择参加测验的学员，或勾选“分配给全部学员”。"]
    at.checkbox(key="qb-assign-all").check().run()
    at.button(key="qb-create-session").click().run()
    assert not at.exception, at.exception
    (created,) = bank.sessions()
    assert len(created.item_ids) == 5 and bank.assignees(created.id) == [ALL_LEARNERS]


def test_a_random_paper_is_drawn_by_type_counts(session):
    bank, _practice, _items = session
    at = start_app("views/quiz_build.py")
    at.radio(key="qb-how").set_value("draw").run()
    at.number_input(key="qb-draw-single").set_value(1)
    at.number_input(key="qb-draw-tf").set_value(1)
    at.checkbox(key="qb-assign-all").check()
    at.text_input(key="qb-session-title").input("随机卷")
    at.button(key="qb-create-session").click().run()
    assert not at.exception, at.exception
    drawn = next(s for s in bank.sessions() if s.title == "随机卷")
    assert sorted(i.type for i in bank.items(ids=drawn.item_ids)) == ["single", "tf"]


def answer_all(bank: QuizBank, quiz: QuizSession, learner: str, responses: list[list[str]]) -> None:
    attempt = bank.start_attempt(quiz.id, learner)
    for item_id, response in zip(quiz.item_ids, responses, strict=True):
        bank.answer(attempt.id, item_id, response, learner=attempt.trainee)
    bank.finish(attempt.id, learner=attempt.trainee)


def test_the_results_page_charts_a_session_and_analyses_its_items(session):
    bank, quiz, items = session
    single, multi, tf, blank = items
    distractors = [o for o in multi.options if o not in multi.answer]
    # Hand-computed: marks single 2, multi 3, tf 1, blank 2 (data/scoring.toml); a wrong option earns nothing.
    plan = {
        "甲": [single.answer, distractors[:1], tf.answer, blank.answer],  # 5 marks
        "乙": [single.answer, distractors[:1], tf.answer, wrong(blank)],  # 3
        "丙": [single.answer, distractors[1:2], wrong(tf), wrong(blank)],  # 2
        "丁": [single.answer, distractors[1:2], wrong(tf), blank.answer],  # 4
    }
    for learner, responses in plan.items():
        answer_all(bank, quiz, learner, [list(r) for r in responses])
    at = start_app("views/quiz_results.py")
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已交卷"] == "4"
    charts = at.main.get("arrow_vega_lite_chart") or at.main.get("vega_lite_chart")
    assert len(charts) == 3  # score distribution, per question, per clause
    (table,) = [d.value for d in at.dataframe if "区分度" in d.value.columns]
    assert list(table["题号"]) == ["第1题", "第2题", "第3题", "第4题"]
    assert list(table["题型"]) == ["单选题", "多选题", "判断题", "填空题"]
    # Facility: 4/4, 0/4, 2/4, 2/4. Upper group 甲 (5 marks), lower 丙 (2): 1-1, 0-0, 1-0, 1-0.
    assert list(table["通过率"]) == ["100%", "0%", "50%", "50%"]
    assert list(table["区分度"]) == ["0.00", "0.00", "1.00", "1.00"]
    assert "全部答对" in table["提示"][0] and "无人答对" in table["提示"][1]
    assert f"{distractors[0]}：2" in table["各选项人数"][1] and f"{distractors[1]}：2" in table["各选项人数"][1]
    assert not any("None" in str(v) for v in table.to_numpy().ravel())


def test_a_learner_sees_only_their_own_results_whatever_the_query_says(session):
    bank, quiz, items = session
    answer_all(bank, quiz, "wangxm", [list(i.answer) for i in items])
    other = bank.create_session("另一场测验", [i.id for i in items])
    bank.assign(other.id, ["lisi"])
    answer_all(bank, other, "lisi", [wrong(i) for i in items])
    at = start_app("views/quiz_results.py", LEARNER, learner="lisi", session=other.id)
    assert [t.value for t in at.title] == ["我的成绩"]
    (history,) = at.dataframe
    assert list(history.value["测验"]) == ["第一期培训测验"]  # never lisi's session
    assert list(history.value["结果"]) == ["通过"]
    assert not at.metric and not [s for s in at.selectbox if s.key == "qr-learner"]
    assert "另一场测验" not in shown_text(at)
    # lisi's own page shows lisi's record and 错题本.
    theirs = start_app("views/quiz_results.py", ("lisi", ("learner",)))
    assert list(theirs.dataframe[0].value["测验"]) == ["另一场测验"]
    assert len(theirs.expander) == len(items)  # every question answered wrong is in the 错题本


def test_a_trainer_reads_any_learners_record(session):
    bank, quiz, items = session
    answer_all(bank, quiz, "lisi", [wrong(i) for i in items])
    at = start_app("views/quiz_results.py", learner="lisi")
    assert at.selectbox(key="qr-learner").value == "lisi"
    assert any(
        list(d.value.columns)[:1] == ["测验"] and "第一期培训测验" in list(d.value["测验"]) for d in at.dataframe
    )
