"""政策问答助手 — Streamlit entry point: page setup, navigation and the shared sidebar."""

from __future__ import annotations

import streamlit as st
from components import APP_NAME, ready_assistant

from assistant.retrieve import SearchFilter

st.set_page_config(page_title=APP_NAME, page_icon="📜", layout="wide", initial_sidebar_state="expanded")

pages = [
    st.Page("views/chat.py", title="问答", icon=":material/forum:", default=True, url_path="chat"),
    st.Page("views/documents.py", title="原文", icon=":material/article:", url_path="documents"),
    st.Page("views/evals.py", title="评测", icon=":material/analytics:", url_path="evals"),
    st.Page("views/manage.py", title="管理", icon=":material/admin_panel_settings:", url_path="manage"),
    st.Page("views/quiz_build.py", title="出题", icon=":material/quiz:", url_path="quiz-build"),
    st.Page("views/quiz_take.py", title="答题", icon=":material/edit_note:", url_path="quiz-take"),
    st.Page("views/quiz_results.py", title="成绩", icon=":material/leaderboard:", url_path="quiz-results"),
]
navigation = st.navigation(pages)
assistant = ready_assistant()


@st.cache_data(ttl=30, show_spinner=False)
def endpoint_online(base_url: str) -> bool:
    # Cached per URL: a slow endpoint must not slow every rerun.
    from assistant.answer.llm import OpenAICompatibleChat

    return OpenAICompatibleChat(assistant.settings.llm).health()


with st.sidebar:
    st.markdown(f"### {APP_NAME}")
    llm = assistant.settings.llm
    if assistant.engine.default_mode == "llm" and llm.base_url:
        online = endpoint_online(llm.base_url)
        status = ":green[● 在线]" if online else ":red[● 无法连接（将改用离线摘录）]"
        st.markdown(f"**回答方式：** 大模型 `{llm.model}`  \n**接口状态：** {status}")
    else:
        st.markdown("**回答方式：** 离线摘录（逐字引用原文）")
    documents = assistant.index.documents
    titles = {d.doc_id: d.title for d in documents}
    chosen = st.multiselect(
        "检索范围",
        options=list(titles),
        format_func=lambda doc_id: titles[doc_id],
        placeholder="全部文档",
        key="filter_docs",
    )
    st.session_state["search_filter"] = SearchFilter(doc_ids=tuple(chosen)) if chosen else None
    st.slider("引用来源数量", min_value=1, max_value=10, value=assistant.settings.retrieval.k, key="source_count")

navigation.run()
