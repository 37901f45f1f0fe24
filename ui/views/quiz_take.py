"""答题: a learner takes a quiz session assigned to them.

Practice: one question at a time, 查看提示 with the source, the verdict and explanation after each answer.
Exam: no hints, free navigation with unanswered questions marked, a live countdown, answers changeable until
a confirmed 交卷, verdicts only on the score page. Options are shown in an order of the learner's own.

The learner is the signed-in user (their account id is the attempt's learner id); only the sessions assigned
to them and open now are offered, and that is checked again before an attempt starts or resumes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st
from auth import guard
from components import clause_for, get_assistant, highlighted, local_time, safe_md

from assistant.cite import highlight_spans, make_citation
from assistant.errors import UserError
from assistant.quiz.bank import GRACE, quiz_bank
from assistant.quiz.learners import session_rules
from assistant.quiz.scoring import attempt_score, shuffled_options
from assistant.quiz.types import LETTERS, MODE_LABELS, TYPE_LABELS, Attempt, QuizItem, QuizSession

principal = guard("views/quiz_take.py")
learner = principal.user_id
assistant = get_assistant()
bank = quiz_bank(assistant.settings)
state = st.session_state


def displayed(item: QuizItem) -> list[str]:
    """The options in this learner's order (stable for the attempt)."""
    attempt_id = state.get("quiz_attempt", "")
    return shuffled_options(item, attempt_id) if state.get("quiz_shuffle", True) else list(item.options)


def answer_text(item: QuizItem, response: list[str]) -> str:
    if not response:
        return "未作答"
    if item.type in ("single", "multi"):
        order = displayed(item)
        return "、".join(f"{LETTERS[order.index(r)]}. {r}" for r in response if r in order) or "未作答"
    return "；".join(response)


def hint_card(item: QuizItem) -> None:
    """The source clause with the answer span highlighted (查看提示)."""
    clause = clause_for(assistant, item.doc_id, item.clause)
    with st.container(border=True):
        st.markdown(f"**提示 · {safe_md(item.label)}**")
        if clause is None:
            st.caption(safe_md(f"原文：{item.answer_span}"))
            return
        spans = highlight_spans(clause, [make_citation(1, clause, item.answer_span)])
        st.markdown(highlighted(clause.text, spans))


def leave() -> None:
    for key in ("quiz_attempt", "quiz_position", "quiz_confirm", "quiz_shuffle"):
        state.pop(key, None)


def window_text(session: QuizSession) -> str:
    """The opening window in local time, or an empty string when the session is always open."""
    if session.opens_at and session.closes_at:
        return f"开放时间 {local_time(session.opens_at)} 至 {local_time(session.closes_at)}"
    if session.closes_at:
        return f"{local_time(session.closes_at)} 截止"
    if session.opens_at:
        return f"{local_time(session.opens_at)} 起开放"
    return ""


def start_screen() -> None:
    st.title("答题")
    sessions = bank.sessions_for(learner)
    if not sessions:
        upcoming = [s for s in bank.sessions_for(learner, open_only=False) if s.opens_at and not bank.is_open(s)]
        st.info("目前没有分配给您、正在开放的测验。请等待培训老师安排。")
        for s in upcoming:
            st.caption(safe_md(f"{s.title}：{window_text(s)}"))
        st.stop()
    titles = {s.id: s for s in sessions}
    wanted = st.query_params.get("session")
    index = list(titles).index(wanted) if wanted in titles else 0
    chosen = st.selectbox(
        "测验",
        options=list(titles),
        index=index,
        format_func=lambda sid: (
            f"{titles[sid].title}（{MODE_LABELS[titles[sid].mode]}，{len(titles[sid].item_ids)} 题）"
        ),
        key="quiz-take-session",
    )
    session = titles[chosen]
    limit = f"限时 {session.time_limit_minutes} 分钟" if session.time_limit_minutes else "不限时"
    rules = session_rules(session)
    if session.mode == "exam":
        note = "考试模式：不提供提示，可前后翻题，交卷后才显示答案。"
    else:
        hinted = "仍计分" if rules.hinted_earns else "不计分"
        note = f"练习模式：每题作答后显示答案和解析；作答前查看提示的题目{hinted}。"
    used = sum(1 for a in bank.attempts_of(learner) if a.session_id == session.id)
    attempts = f"，每人限答 {session.max_attempts} 次（您已答 {used} 次）" if session.max_attempts else ""
    window = f"，{window_text(session)}" if window_text(session) else ""
    st.caption(
        f"{MODE_LABELS[session.mode]}，共 {len(session.item_ids)} 题，{limit}{attempts}{window}，"
        f"及格线 {rules.pass_percent:.0f} 分（百分制）。{note}"
    )
    st.caption(safe_md(f"答题人：{principal.display_name}"))
    if st.button("开始答题", type="primary", key="quiz-start"):
        try:
            if not bank.assigned_to(chosen, learner):  # checked here too: the list may be stale
                raise UserError("这场测验没有分配给您。")
            attempt = bank.start_attempt(chosen, learner)
        except UserError as exc:
            st.error(safe_md(str(exc)))
            st.stop()
        state["quiz_attempt"] = attempt.id
        state["quiz_position"] = 0
        state["quiz_shuffle"] = session.shuffle_options
        st.rerun()
    st.stop()


def collect(item: QuizItem) -> list[str]:
    """The trainee's answer from the question's widgets."""
    key = f"quiz-answer-{item.id}"
    if item.type == "multi":
        return [o for i, o in enumerate(item.options) if state.get(f"{key}-{i}")]
    value = state.get(key)
    if item.type == "blank":
        return [value.strip()] if isinstance(value, str) and value.strip() else []
    return [value] if value else []


def question_widgets(item: QuizItem, answered: list[str] | None, locked: bool = True) -> None:
    """The answer widgets, options in the learner's order; keys follow the item's own option order."""
    key = f"quiz-answer-{item.id}"
    disabled = answered is not None and locked
    order = displayed(item)
    if item.type == "multi":
        st.caption("多选题：选出全部正确的选项。")
        for shown, option in enumerate(order):
            st.checkbox(
                safe_md(f"{LETTERS[shown]}. {option}"),
                key=f"{key}-{item.options.index(option)}",
                disabled=disabled,
                value=option in (answered or []),
            )
    elif item.type == "blank":
        st.text_input("填写答案", key=key, disabled=disabled, value=(answered or [""])[0])
    else:
        labels = {o: safe_md(f"{LETTERS[i]}. {o}" if item.type == "single" else o) for i, o in enumerate(order)}
        st.radio(
            "请选择",
            options=order,
            index=order.index(answered[0]) if answered and answered[0] in order else None,
            format_func=lambda o: labels[o],
            key=key,
            disabled=disabled,
        )


def question_screen(attempt: Attempt, session: QuizSession, items: list[QuizItem]) -> None:
    position = min(state.get("quiz_position", 0), len(items) - 1)
    item = items[position]
    responses = {r.item_id: r for r in attempt.responses}
    response = responses.get(item.id)
    st.title(safe_md(session.title))
    st.progress(position / len(items), text=f"第 {position + 1} / {len(items)} 题 · {TYPE_LABELS[item.type]}")
    deadline = bank.deadline(attempt)
    if deadline is not None:
        left = max(0, int((deadline - datetime.now(UTC)).total_seconds() // 60))
        st.caption(f"请在 {local_time(deadline.isoformat())[-5:]} 前交卷（约剩 {left} 分钟）。")
    st.subheader(safe_md(item.stem), anchor=False)
    question_widgets(item, response.response if response else None)
    if response is None:
        submit, hint, _ = st.columns([1, 1, 4])
        if submit.button("提交答案", type="primary", key="quiz-submit"):
            given = collect(item)
            if not given:
                st.warning("请先作答再提交。")
            else:
                try:
                    bank.answer(attempt.id, item.id, given, learner=learner)
                except UserError as exc:
                    st.error(safe_md(str(exc)))
                    st.stop()
                st.rerun()
        if hint.button("查看提示", key="quiz-hint"):
            bank.open_hint(attempt.id, item.id, learner=learner)
            st.rerun()
        if item.id in attempt.hinted:
            st.caption("已查看提示，本题将标记为“看过提示”。")
            hint_card(item)
    else:
        if response.correct:
            st.success("回答正确。", icon=":material/check_circle:")
        else:
            st.error(safe_md(f"回答错误。正确答案：{answer_text(item, item.answer)}"), icon=":material/cancel:")
        if response.hinted and not session_rules(session).hinted_earns:
            st.caption("本题作答前查看了提示，不计分。")
        if item.explanation:
            st.markdown(safe_md(f"解析：{item.explanation}"))
        hint_card(item)
        if position + 1 < len(items) and st.button("下一题", type="primary", key="quiz-next"):
            state["quiz_position"] = position + 1
            st.rerun()
    last = position + 1 == len(items) and response is not None
    if st.button("交卷", type="primary" if last else "secondary", key="quiz-finish"):
        bank.finish(attempt.id, learner=learner)
        st.rerun()


@st.fragment(run_every=1)
def countdown(attempt_id: str) -> None:
    """A live clock; at zero the whole page reruns, which hands the attempt in."""
    deadline = bank.deadline(bank.attempt(attempt_id))
    if deadline is None:
        return
    left = max(0, int((deadline - datetime.now(UTC)).total_seconds()))
    st.caption(f"剩余时间 {left // 60:02d}:{left % 60:02d}（{local_time(deadline.isoformat())[-5:]} 截止）")
    if left == 0:
        st.rerun(scope="app")


def save_exam_answer(attempt: Attempt, item: QuizItem) -> None:
    """Store what the widgets hold for this question, if it changed."""
    given = collect(item)
    saved = next((r.response for r in attempt.responses if r.item_id == item.id), None)
    if given and given != saved:
        try:
            bank.answer(attempt.id, item.id, given, learner=learner)
        except UserError as exc:
            st.error(safe_md(str(exc)))
            st.stop()


def exam_screen(attempt: Attempt, session: QuizSession, items: list[QuizItem]) -> None:
    position = min(state.get("quiz_position", 0), len(items) - 1)
    item = items[position]
    answered = {r.item_id: r.response for r in attempt.responses}
    st.title(safe_md(session.title))
    countdown(attempt.id)
    done = sum(1 for i in items if i.id in answered)
    st.progress(done / len(items), text=f"已答 {done} / {len(items)} 题")
    marks = st.columns(min(len(items), 10))
    for number, other in enumerate(items):
        label = f"{number + 1}" + ("" if other.id in answered else " ○")
        if marks[number % len(marks)].button(
            label, key=f"quiz-goto-{number}", type="primary" if number == position else "secondary"
        ):
            save_exam_answer(attempt, item)
            state["quiz_position"] = number
            st.rerun()
    st.caption("○ 表示尚未作答。")
    st.markdown(f"**第 {position + 1} 题 · {TYPE_LABELS[item.type]}**")
    st.subheader(safe_md(item.stem), anchor=False)
    question_widgets(item, answered.get(item.id), locked=False)
    back, save, forward, _ = st.columns([1, 1, 1, 3])
    if back.button("上一题", key="quiz-prev", disabled=position == 0):
        save_exam_answer(attempt, item)
        state["quiz_position"] = position - 1
        st.rerun()
    if save.button("保存答案", key="quiz-save"):
        save_exam_answer(attempt, item)
        st.rerun()
    if forward.button("下一题", key="quiz-next", disabled=position + 1 == len(items)):
        save_exam_answer(attempt, item)
        state["quiz_position"] = position + 1
        st.rerun()
    if st.button("交卷", type="primary", key="quiz-finish"):
        save_exam_answer(attempt, item)
        state["quiz_confirm"] = True
        st.rerun()
    if state.get("quiz_confirm"):
        missing = [str(n + 1) for n, i in enumerate(items) if i.id not in answered]
        left = f"还有第 {'、'.join(missing)} 题未作答，" if missing else ""
        st.warning(f"{left}交卷后不能再修改答案。确定交卷吗？")
        yes, no, _ = st.columns([1, 1, 4])
        if yes.button("确认交卷", type="primary", key="quiz-confirm"):
            state.pop("quiz_confirm", None)
            bank.finish(attempt.id, learner=learner)
            st.rerun()
        if no.button("继续作答", key="quiz-cancel"):
            state.pop("quiz_confirm", None)
            st.rerun()


def result_screen(attempt: Attempt, session: QuizSession, items: list[QuizItem]) -> None:
    st.title(safe_md(f"{session.title} · 成绩"))
    responses = {r.item_id: r for r in attempt.responses}
    hinted = sum(1 for r in attempt.responses if r.hinted)
    st.metric("答对", f"{attempt.score} / {attempt.total}")
    rules = session_rules(session)
    score = attempt_score(attempt, {i.id: i for i in items}, session.item_ids, rules)
    verdict = "通过" if score.passed else "未通过"
    hinted_note = f"其中 {hinted} 题在作答前查看了提示{'' if rules.hinted_earns else '，不计分'}。" if hinted else ""
    st.caption(
        f"得分 {score.marks:g} / {score.max_marks:g} 分（百分制 {score.percent:.0f} 分，"
        f"及格线 {rules.pass_percent:.0f} 分）：{verdict}。{hinted_note}"
    )
    for number, item in enumerate(items, start=1):
        response = responses.get(item.id)
        correct = response is not None and response.correct
        with st.container(border=True):
            mark = ":green[:material/check_circle:]" if correct else ":red[:material/cancel:]"
            st.markdown(f"{mark} **{number}. {TYPE_LABELS[item.type]}** {safe_md(item.stem)}")
            st.markdown(
                safe_md(f"你的答案：{answer_text(item, response.response if response else [])}")
                + "  \n"
                + safe_md(f"正确答案：{answer_text(item, item.answer)}")
            )
            if response is not None and response.hinted:
                st.caption("作答前查看了提示")
            if item.explanation:
                st.markdown(safe_md(f"解析：{item.explanation}"))
            st.caption(safe_md(f"出处：{item.label}"))
            with st.expander("查看原文"):
                hint_card(item)
    st.button("返回", on_click=leave, key="quiz-leave")


attempt_id = state.get("quiz_attempt")
if attempt_id is None:
    start_screen()
try:
    attempt = bank.own_attempt(attempt_id, learner)  # one left in the browser session by someone else is refused
    session = bank.session(attempt.session_id)
except UserError as exc:
    st.error(safe_md(str(exc)))
    leave()
    st.stop()
items = bank.items(ids=session.item_ids)
if not items:
    st.error("这场测验的题目已从题库删除，请联系培训老师。")
    st.stop()
deadline = bank.deadline(attempt)
if attempt.finished_at is None and deadline is not None and datetime.now(UTC) > deadline + GRACE:
    st.warning("已到答题时限，系统已自动交卷。")
    attempt = bank.finish(attempt.id, learner=learner)
state["quiz_shuffle"] = session.shuffle_options
if attempt.finished_at:
    result_screen(attempt, session, items)
elif session.mode == "exam":
    exam_screen(attempt, session, items)
else:
    question_screen(attempt, session, items)
