"""成绩: trainers see every session (scores, charts, item analysis) and any learner's record; a learner sees
only their own history and 错题本, whatever the query parameters say (the role is checked here, not hidden)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from auth import guard
from components import get_assistant, local_time, safe_md

from assistant.accounts import Principal, account_store
from assistant.quiz.analysis import analyse
from assistant.quiz.bank import quiz_bank
from assistant.quiz.learners import history, session_rules, wrong_answer_book
from assistant.quiz.results import session_results
from assistant.quiz.scoring import attempt_score
from assistant.quiz.types import DIFFICULTY_LABELS, LETTERS, MODE_LABELS, TYPE_LABELS, QuizItem

principal: Principal = guard("views/quiz_results.py")
assistant = get_assistant()
settings = assistant.settings
bank = quiz_bank(settings)
EMPTY = "—"


def number_label(position: int) -> str:
    return f"第{position}题"


def bar_chart(frame: pd.DataFrame, x: str, y: str, order: list[str], percent: bool = False) -> None:
    """Bars in the given category order (a text axis would sort 第10题 before 第2题); categories along the
    bottom, the measure up the side."""
    scale = alt.Scale(domain=[0, 100]) if percent else alt.Undefined
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:N", sort=order, title=x, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{y}:Q", title=y, scale=scale),
            tooltip=[x, y],
        )
    )
    st.altair_chart(chart, width="stretch")


def choice_text(item: QuizItem | None, choices: dict[str, int]) -> str:
    """How many chose each option, in the item's own option order; free answers by frequency."""
    if item is not None and item.options:
        return "；".join(f"{LETTERS[i]}. {o}：{choices.get(o, 0)}" for i, o in enumerate(item.options))
    top = sorted(choices.items(), key=lambda kv: -kv[1])[:5]
    return "；".join(f"{answer}：{count}" for answer, count in top) or EMPTY


def answer_text(response: list[str]) -> str:
    # No option letters: each learner saw the options in an order of their own.
    return "、".join(response) if response else "未作答"


def learner_record(learner_id: str, mine: bool) -> None:
    """History and 错题本 of one learner."""
    records = history(bank, learner_id)
    who = "您" if mine else "该学员"
    if not records:
        st.info(f"{who}还没有参加过测验。")
        return
    st.subheader("答题记录", anchor=False)
    st.dataframe(
        [
            {
                "测验": r.title,
                "开始时间": local_time(r.started_at),
                "交卷时间": local_time(r.finished_at) if r.finished_at else "未交卷",
                "得分": f"{r.score.marks:g} / {r.score.max_marks:g}",
                "百分制": round(r.score.percent),
                "结果": ("通过" if r.score.passed else "未通过") if r.finished_at else "未交卷",
            }
            for r in records
        ],
        hide_index=True,
        width="stretch",
    )
    st.subheader("错题本", anchor=False)
    book = wrong_answer_book(bank, learner_id)
    if not book:
        st.success(f"{who}的错题本是空的：交卷的测验中没有答错的题目。")
        return
    st.caption(f"共 {len(book)} 道，答错次数多的在前；之后答对的题目会移出错题本。")
    for entry in book:
        item = entry.item
        with st.expander(safe_md(f"{TYPE_LABELS[item.type]} · {item.stem.split('：', 1)[-1][:40]}")):
            st.markdown(safe_md(item.stem))
            st.markdown(
                safe_md(f"{'你' if mine else '学员'}的答案：{answer_text(entry.response)}")
                + "  \n"
                + safe_md(f"正确答案：{answer_text(item.answer)}")
            )
            if item.explanation:
                st.markdown(safe_md(f"解析：{item.explanation}"))
            st.caption(safe_md(f"出处：{item.label} · 答错 {entry.times_wrong} 次 · {local_time(entry.last_at)}"))


if not principal.has("trainer"):
    # A learner's own record only: the learner id comes from the sign-in, never from the URL.
    st.title("我的成绩")
    learner_record(principal.user_id, mine=True)
    st.stop()


st.title("成绩")
sessions = bank.sessions()
session_tab, learner_tab = st.tabs(["测验统计", "学员记录"])

with learner_tab:
    accounts = {u.username: u.display_name or u.username for u in account_store(settings).all() if "learner" in u.roles}
    takers = sorted({a.trainee for s in sessions for a in bank.attempts(s.id)} | set(accounts))
    wanted_learner = st.query_params.get("learner")
    if takers:
        chosen_learner = st.selectbox(
            "学员",
            options=takers,
            index=takers.index(wanted_learner) if wanted_learner in takers else 0,
            format_func=lambda u: f"{accounts[u]}（{u}）" if u in accounts and accounts[u] != u else u,
            key="qr-learner",
        )
        learner_record(chosen_learner, mine=False)

with session_tab:
    if not sessions:
        st.info("还没有测验。请先在“出题”页审核题目并组卷。")
        st.stop()
    by_id = {s.id: s for s in sessions}
    wanted = st.query_params.get("session")
    chosen = st.selectbox(
        "测验",
        options=list(by_id),
        index=list(by_id).index(wanted) if wanted in by_id else 0,
        format_func=lambda sid: (
            f"{by_id[sid].title}（{MODE_LABELS[by_id[sid].mode]}，{local_time(by_id[sid].created_at)[:10]}，编号 {sid}）"
        ),
        key="qr-session",
    )
    results = session_results(bank, chosen)
    finished = results.finished
    mean = results.mean_percent
    a, b, c = st.columns(3)
    a.metric("参加人次", len(results.attempts))
    b.metric("已交卷", len(finished))
    c.metric("平均分（百分制）", f"{mean:.0f}" if mean is not None else EMPTY)
    if not results.attempts:
        st.info("还没有学员参加这场测验。")
        st.stop()

    st.subheader("分数分布", anchor=False)
    bands = list(results.distribution)
    bar_chart(pd.DataFrame({"分数段": bands, "人数": list(results.distribution.values())}), "分数段", "人数", bands)

    st.subheader("每题正确率", anchor=False)
    st.caption("正确率低的题目，说明对应条款可能被普遍误解。")
    labels = [number_label(q.position) for q in results.questions]
    rates = [round(100 * q.rate, 1) if q.rate is not None else 0.0 for q in results.questions]
    bar_chart(pd.DataFrame({"题号": labels, "正确率（%）": rates}), "题号", "正确率（%）", labels, percent=True)

    st.subheader("各条款正确率", anchor=False)
    clause_labels = [cl.label.split("》", 1)[-1] for cl in results.clauses]
    clause_rates = [round(100 * cl.rate, 1) if cl.rate is not None else 0.0 for cl in results.clauses]
    bar_chart(
        pd.DataFrame({"条款": clause_labels, "正确率（%）": clause_rates}),
        "条款",
        "正确率（%）",
        clause_labels,
        percent=True,
    )

    st.subheader("题目分析", anchor=False)
    st.caption(
        "通过率：交卷学员中答对的比例；区分度：成绩前 27% 与后 27% 学员的通过率之差（至少两人交卷才计算），"
        "越高越能区分掌握程度。"
    )
    items = {i.id: i for i in bank.items(ids=results.session.item_ids)}
    st.dataframe(
        [
            {
                "题号": number_label(row.position),
                "题型": TYPE_LABELS[items[row.item_id].type] if row.item_id in items else EMPTY,
                "题干": items[row.item_id].stem if row.item_id in items else "（题目已删除）",
                "作答人数": row.answered,
                "通过率": f"{100 * row.facility:.0f}%" if row.facility is not None else EMPTY,
                "区分度": f"{row.discrimination:.2f}" if row.discrimination is not None else EMPTY,
                "各选项人数": choice_text(items.get(row.item_id), row.choices),
                "按成绩估计难度": DIFFICULTY_LABELS[row.estimated_difficulty] if row.estimated_difficulty else EMPTY,
                "提示": "；".join(row.flags) or EMPTY,
            }
            for row in analyse(bank, results.session)
        ],
        hide_index=True,
        width="stretch",
        key="qr-analysis",
    )

    st.subheader("学员成绩", anchor=False)
    rules = session_rules(results.session)
    scores = {t.id: attempt_score(t, items, results.session.item_ids, rules) for t in results.attempts}
    st.dataframe(
        [
            {
                "学员": t.trainee,
                "答对": f"{t.score}/{t.total}",
                "得分": f"{scores[t.id].marks:g}/{scores[t.id].max_marks:g}",
                "百分制": round(scores[t.id].percent),
                "结果": ("通过" if scores[t.id].passed else "未通过") if t.finished_at else "未交卷",
                "看过提示": sum(1 for r in t.responses if r.hinted),
                "开始时间": local_time(t.started_at),
                "交卷时间": local_time(t.finished_at) if t.finished_at else "未交卷",
            }
            for t in results.attempts
        ],
        hide_index=True,
        width="stretch",
    )
    weakest = [cl for cl in results.clauses if cl.rate is not None][:3]
    if weakest:
        st.markdown(
            "**最需要加强的条款：**  \n"
            + "  \n".join(
                safe_md(f"{cl.label}（正确率 {100 * cl.rate:.0f}%）") for cl in weakest if cl.rate is not None
            )
        )
