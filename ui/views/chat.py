"""问答: the chat page — cited answers, source cards, feedback, export."""

from __future__ import annotations

import uuid

import streamlit as st
from answer_render import RETRIEVING_TEXT, draft_markdown, status_text
from components import APP_NAME, get_assistant, render_answer, safe_md

from assistant.answer.condense import Exchange
from assistant.errors import UserError
from assistant.export import conversation_docx, conversation_markdown, official_citation
from assistant.feedback import REASONS, feedback_store
from assistant.types import Answer

STARTERS = [
    "西部地区在养老服务方面有哪些安排？",
    "到2035年西部地区的发展目标是什么？",
    "支持哪些城市建设国际门户枢纽城市？",
    "对西部地区有哪些财税支持政策？",
]

assistant = get_assistant()
state = st.session_state
state.setdefault("messages", [])
state.setdefault("feedback_done", {})


def new_conversation() -> None:
    state["messages"] = []
    state["feedback_done"] = {}


def feedback(answer: Answer, message_id: str) -> None:
    done = state["feedback_done"].get(message_id)
    if done:
        st.caption("已收到您的反馈，谢谢！")
        return
    row = st.container(horizontal=True)
    if row.button("有帮助", icon=":material/thumb_up:", key=f"up-{message_id}"):
        feedback_store(assistant.settings).record(message_id, answer, "up", assistant.settings)
        state["feedback_done"][message_id] = "up"
        st.rerun()
    if row.button("有问题", icon=":material/thumb_down:", key=f"down-{message_id}"):
        state[f"open-{message_id}"] = True
    if state.get(f"open-{message_id}"):
        with st.form(key=f"form-{message_id}"):
            reasons = st.multiselect("问题类型", REASONS, key=f"reasons-{message_id}")
            comment = st.text_area("补充说明（可选）", key=f"comment-{message_id}", max_chars=2000)
            if st.form_submit_button("提交反馈"):
                feedback_store(assistant.settings).record(
                    message_id, answer, "down", assistant.settings, reasons=reasons, comment=comment
                )
                state["feedback_done"][message_id] = "down"
                st.rerun()


def show_assistant_message(answer: Answer, message_id: str) -> None:
    render_answer(assistant, answer, message_id)
    if answer.citations and not answer.refused:
        with st.expander("复制引用（公文格式）"):
            st.code(official_citation(answer), language=None, wrap_lines=True)
    feedback(answer, message_id)


st.title(APP_NAME, anchor=False)
st.caption("依据政策原文作答，每条引文均与原文逐字核对。")
answers = [m["answer"] for m in state["messages"] if m["role"] == "assistant"]
actions = st.container(horizontal=True)
actions.button("新对话", icon=":material/add_comment:", on_click=new_conversation)
if answers:
    actions.download_button(
        "导出 Markdown",
        lambda: conversation_markdown(answers),  # built on click, not on every rerun
        file_name="政策问答记录.md",
        mime="text/markdown",
        icon=":material/download:",
    )
    actions.download_button(
        "导出 Word",
        lambda: conversation_docx(answers),
        file_name="政策问答记录.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        icon=":material/download:",
    )

for message in state["messages"]:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(safe_md(message["content"]))
        else:
            show_assistant_message(message["answer"], message["id"])

typed = st.chat_input("请输入您的问题，例如：西部地区在养老服务方面有哪些安排？")
question = typed or state.pop("pending_question", None)

if not state["messages"] and not question:
    st.markdown("**可以这样问：**")
    columns = st.columns(2)
    for i, starter in enumerate(STARTERS):
        if columns[i % 2].button(starter, key=f"starter-{i}", width="stretch"):
            state["pending_question"] = starter
            st.rerun()

if question:
    history = [
        Exchange(m["answer"].question, m["answer"].standalone_question, m["answer"].answer)
        for m in state["messages"]
        if m["role"] == "assistant"
    ]
    with st.chat_message("user"):
        st.markdown(safe_md(question))
    with st.chat_message("assistant"):
        placeholder = st.empty()
        answer: Answer | None = None
        streamed = ""
        try:
            with st.spinner(RETRIEVING_TEXT):
                events = assistant.ask_events(
                    question, history=history, where=state.get("search_filter"), k=state.get("source_count")
                )
                for event in events:
                    if isinstance(event, Answer):
                        answer = event
                    elif isinstance(event, str):
                        streamed += event
                        placeholder.markdown(draft_markdown(streamed))
                    elif not streamed and (status := status_text(event)):
                        placeholder.caption(status)
        except UserError as exc:
            placeholder.error(safe_md(str(exc)))
        if answer is not None:
            placeholder.empty()
            message_id = uuid.uuid4().hex
            state["messages"].append({"role": "user", "content": question, "id": uuid.uuid4().hex})
            state["messages"].append({"role": "assistant", "answer": answer, "id": message_id})
            show_assistant_message(answer, message_id)
            st.rerun()  # so the header's export buttons include this answer
