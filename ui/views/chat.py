"""问答: the chat page — cited answers, source cards, feedback, export, and each user's saved conversations."""

from __future__ import annotations

import uuid

import streamlit as st
from answer_render import RETRIEVING_TEXT, draft_markdown, status_text
from auth import guard
from components import APP_NAME, flash, get_assistant, local_time, render_answer, safe_md, show_flashes

from assistant.answer.condense import Exchange
from assistant.conversations import ConversationStore, conversation_store
from assistant.errors import UserError
from assistant.export import conversation_docx, conversation_markdown, official_citation
from assistant.feedback import REASONS, feedback_store
from assistant.retrieve import SearchFilter
from assistant.types import Answer

STARTERS = [
    "西部地区在养老服务方面有哪些安排？",
    "到2035年西部地区的发展目标是什么？",
    "支持哪些城市建设国际门户枢纽城市？",
    "对西部地区有哪些财税支持政策？",
]

principal = guard("views/chat.py")
assistant = get_assistant()
state = st.session_state
state.setdefault("messages", [])
state.setdefault("feedback_done", {})
# Anonymous visitors (when allowed) chat without a saved history.
store: ConversationStore | None = None
if principal.source != "anonymous":
    try:
        store = conversation_store(assistant.settings)
    except UserError as exc:  # a read-only or full data dir: answers still work, history is not kept
        st.warning(safe_md(str(exc)))
user_id = principal.user_id


def new_conversation() -> None:
    state["messages"] = []
    state["feedback_done"] = {}
    state["conversation_id"] = None
    st.query_params.pop("c", None)


def open_conversation(conversation_id: str) -> None:
    """Load a saved conversation into the page; its id goes into the URL so a reload reopens it."""
    assert store is not None
    try:
        turns = store.turns(user_id, conversation_id)
    except UserError as exc:
        new_conversation()
        flash(str(exc), "warning")
        return
    messages: list[dict] = []
    for turn in turns:
        messages.append({"role": "user", "content": turn.question, "id": f"q-{turn.id}"})
        messages.append({"role": "assistant", "answer": turn.answer, "id": turn.id})
    state["messages"] = messages
    state["feedback_done"] = {}
    state["conversation_id"] = conversation_id
    st.query_params["c"] = conversation_id


wanted = st.query_params.get("c")
if store is not None and wanted and wanted != state.get("conversation_id"):
    open_conversation(wanted)


def feedback(answer: Answer, message_id: str) -> None:
    done = state["feedback_done"].get(message_id)
    if done:
        st.caption("已收到您的反馈，谢谢！")
        return
    row = st.container(horizontal=True)
    if row.button("有帮助", icon=":material/thumb_up:", key=f"up-{message_id}"):
        try:
            feedback_store(assistant.settings).record(message_id, answer, "up", assistant.settings)
            state["feedback_done"][message_id] = "up"
        except UserError as exc:
            flash(str(exc), "warning")
        st.rerun()
    if row.button("有问题", icon=":material/thumb_down:", key=f"down-{message_id}"):
        state[f"open-{message_id}"] = True
    if state.get(f"open-{message_id}"):
        with st.form(key=f"form-{message_id}"):
            reasons = st.multiselect("问题类型", REASONS, key=f"reasons-{message_id}", placeholder="请选择")
            comment = st.text_area("补充说明（可选）", key=f"comment-{message_id}", max_chars=2000)
            if st.form_submit_button("提交反馈"):
                try:
                    feedback_store(assistant.settings).record(
                        message_id, answer, "down", assistant.settings, reasons=reasons, comment=comment
                    )
                    state["feedback_done"][message_id] = "down"
                except UserError as exc:
                    flash(str(exc), "warning")
                st.rerun()


def show_assistant_message(answer: Answer, message_id: str) -> None:
    render_answer(assistant, answer, message_id)
    if answer.citations and not answer.refused:
        with st.expander("复制引用（公文格式）"):
            st.code(official_citation(answer), language=None, wrap_lines=True)
    feedback(answer, message_id)


@st.cache_data(ttl=30, show_spinner=False)
def endpoint_online(base_url: str) -> bool:
    # Cached per URL: a slow endpoint must not slow every rerun.
    from assistant.answer.llm import OpenAICompatibleChat

    return OpenAICompatibleChat(assistant.settings.llm).health()


def history_sidebar(store: ConversationStore) -> None:
    st.markdown("**历史对话**")
    search = st.text_input(
        "搜索历史对话", key="history_search", placeholder="搜索历史对话", label_visibility="collapsed"
    )
    summaries = store.list(user_id, search, limit=50)
    if not summaries:
        st.caption("没有找到匹配的对话。" if search.strip() else "还没有保存的对话。")
    current = state.get("conversation_id")
    for summary in summaries:
        st.button(
            summary.title,
            key=f"conv-{summary.id}",
            type="primary" if summary.id == current else "tertiary",
            help=f"{local_time(summary.updated_at)} · {summary.turns} 问",
            on_click=open_conversation,
            args=(summary.id,),
        )
    if current:
        with st.expander("重命名或删除当前对话"):
            title = next((s.title for s in summaries if s.id == current), "")
            new_title = st.text_input("对话名称", value=title, key=f"rename-{current}", max_chars=100)
            row = st.container(horizontal=True)
            if row.button("保存名称", key="rename-save"):
                try:
                    store.rename(user_id, current, new_title)
                    flash("已重命名。")
                except UserError as exc:
                    flash(str(exc), "error")
                st.rerun()
            if row.button("删除对话", key="conversation-delete", icon=":material/delete:"):
                store.delete(user_id, current)
                new_conversation()
                flash("已删除该对话。")
                st.rerun()


with st.sidebar:
    llm = assistant.settings.llm
    if assistant.engine.default_mode == "llm" and llm.base_url:
        online = endpoint_online(llm.base_url)
        status = ":green[● 在线]" if online else ":red[● 无法连接（将改用离线摘录）]"
        st.markdown(f"**回答方式：** 大模型 `{llm.model}`  \n**接口状态：** {status}")
    else:
        st.markdown("**回答方式：** 离线摘录（逐字引用原文）")
    if store is not None:
        history_sidebar(store)
    titles = {d.doc_id: d.title for d in assistant.index.headers}  # headers: no document is decoded
    chosen = st.multiselect(
        "检索范围",
        options=list(titles),
        format_func=lambda doc_id: titles[doc_id],
        placeholder="全部文档",
        key="filter_docs",
    )
    state["search_filter"] = SearchFilter(doc_ids=tuple(chosen)) if chosen else None
    st.slider("引用来源数量", min_value=1, max_value=10, value=assistant.settings.retrieval.k, key="source_count")


st.title(APP_NAME, anchor=False)
st.caption("依据政策原文作答，每条引文均与原文逐字核对。")
show_flashes()
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

typed = st.chat_input("请输入您的问题")
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
            try:
                if store is not None:
                    if not state.get("conversation_id"):
                        state["conversation_id"] = store.create(user_id, question)
                        st.query_params["c"] = state["conversation_id"]
                    store.append(user_id, state["conversation_id"], message_id, question, answer)
            except UserError as exc:  # the answer is shown all the same
                flash(str(exc), "warning")
            state["messages"].append({"role": "user", "content": question, "id": f"q-{message_id}"})
            state["messages"].append({"role": "assistant", "answer": answer, "id": message_id})
            show_assistant_message(answer, message_id)
            st.rerun()  # so the header's export buttons include this answer and the history lists it
