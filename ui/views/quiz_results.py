"""成绩: per-session dashboard — score distribution, correct rate per question and per source clause."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from auth import guard
from components import get_assistant, safe_md

from assistant.quiz.bank import quiz_bank
from assistant.quiz.results import local_time, session_results
from assistant.quiz.types import TYPE_LABELS

guard("views/quiz_results.py")
assistant = get_assistant()
settings = assistant.settings
bank = quiz_bank(settings)
state = st.session_state


st.title("成绩")
sessions = bank.sessions()
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
        f"{by_id[sid].title}（{local_time(by_id[sid].created_at, settings.ui.timezone)[:10]}，编号 {sid}）"
    ),
    key="qr-session",
)
results = session_results(bank, chosen)
finished = results.finished
mean = results.mean_percent
a, b, c = st.columns(3)
a.metric("参加人次", len(results.attempts))
b.metric("已交卷", len(finished))
c.metric("平均分（百分制）", f"{mean:.0f}" if mean is not None else "—")
if not results.attempts:
    st.info("还没有学员参加这场测验。")
    st.stop()

st.subheader("分数分布", anchor=False)
st.bar_chart(pd.DataFrame({"人数": results.distribution}), x_label="分数段", y_label="人数")

st.subheader("每题正确率", anchor=False)
st.caption("正确率低的题目，说明对应条款可能被普遍误解。")
# A numeric 题号 column keeps 第1题 before 第10题 (a text index would sort 1, 10, 2 …).
questions = pd.DataFrame(
    {
        "题号": [q.position for q in results.questions],
        "正确率（%）": [round(100 * q.rate, 1) if q.rate is not None else 0.0 for q in results.questions],
    }
)
st.bar_chart(questions, x="题号", y="正确率（%）", x_label="题号", y_label="正确率（%）")

st.subheader("各条款正确率", anchor=False)
clauses = pd.DataFrame(
    {"正确率（%）": [round(100 * c.rate, 1) if c.rate is not None else 0.0 for c in results.clauses]},
    index=[c.label.split("》", 1)[-1] for c in results.clauses],
)
# Horizontal: the labels run down the side (the chart's x) and the rate along the bottom (its y).
st.bar_chart(clauses, x_label="条款", y_label="正确率（%）", horizontal=True)

st.subheader("题目明细", anchor=False)
st.dataframe(
    [
        {
            "题号": q.position,
            "题型": TYPE_LABELS[q.type],
            "题干": q.stem,
            "出处": q.label,
            "作答人次": q.answered,
            "答对": q.correct,
            "正确率": f"{100 * q.rate:.0f}%" if q.rate is not None else "—",
            "看过提示": q.hinted,
        }
        for q in results.questions
    ],
    hide_index=True,
    width="stretch",
)

st.subheader("学员成绩", anchor=False)
st.dataframe(
    [
        {
            "姓名": t.trainee,
            "得分": f"{t.score}/{t.total}",
            "百分制": round(t.percent),
            "看过提示": sum(1 for r in t.responses if r.hinted),
            "开始时间": local_time(t.started_at, settings.ui.timezone),
            "交卷时间": local_time(t.finished_at, settings.ui.timezone) or "未交卷",
        }
        for t in results.attempts
    ],
    hide_index=True,
    width="stretch",
)
weakest = [c for c in results.clauses if c.rate is not None][:3]
if weakest:
    st.markdown(
        "**最需要加强的条款：**  \n"
        + "  \n".join(safe_md(f"{c.label}（正确率 {100 * c.rate:.0f}%）") for c in weakest if c.rate is not None)
    )
