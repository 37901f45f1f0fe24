"""Shared pieces of the Streamlit pages: the cached assistant, safe Markdown, answer rendering."""

from __future__ import annotations

import hmac
import logging
import re
import threading
import time

import streamlit as st
from answer_render import render_answer_body
from pydantic import SecretStr

from assistant.cite import highlight_spans
from assistant.errors import UserError
from assistant.service import PolicyAssistant
from assistant.settings import load_settings
from assistant.types import Answer, Citation, Clause, Hit

log = logging.getLogger("assistant.ui")
APP_NAME = "政策问答助手"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")
_build_lock = threading.Lock()


def safe_md(text: str) -> str:
    """User, document and model text as literal Markdown: every special character escaped, no HTML."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return escaped.replace("\n", "  \n")


def highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    """Clause text with the quoted spans highlighted through Streamlit's own Markdown directive."""
    out, cursor = [], 0
    for start, end in spans:
        out.append(safe_md(text[cursor:start]))
        out.append(f":orange-background[**{safe_md(text[start:end])}**]")
        cursor = end
    out.append(safe_md(text[cursor:]))
    return "".join(out)


@st.cache_resource(show_spinner=False)
def get_assistant() -> PolicyAssistant:
    """One assistant per process: the index, embedder and retriever are shared by every session."""
    return PolicyAssistant(load_settings())


STALE_CHECK_SECONDS = 10


@st.cache_data(show_spinner=False)
def corpus_changed(folders: str, window: float) -> bool:
    """Whether the corpus changed since indexing; checked once per window, not on every rerun of every session."""
    return get_assistant().index.is_stale()


def ready_assistant() -> PolicyAssistant:
    """The assistant with its index built; the first start shows progress while it embeds the corpus."""
    try:
        assistant = get_assistant()
        index = assistant.index
        folders = f"{assistant.settings.corpus_dir}|{assistant.settings.upload_dir}"
        if index.ready and not corpus_changed(folders, time.monotonic() // STALE_CHECK_SECONDS):
            return assistant
        with _build_lock:
            if not index.ready or index.is_stale():
                bar = st.progress(0.0, text="正在建立索引，首次启动约需半分钟……")

                def progress(stage: str, done: int, total: int) -> None:
                    bar.progress(done / total if total else 1.0, text=stage)

                assistant.ensure_index(progress)
                bar.empty()
                corpus_changed.clear()
        return assistant
    except UserError as exc:
        st.error(str(exc))
        st.stop()
        raise


def require_admin(password: SecretStr | None, form_key: str, page: str) -> None:
    """Stop the page until the admin password is entered; with no password configured the page stays open."""
    if password is None or st.session_state.get("admin"):
        return
    with st.form(form_key):
        typed = st.text_input("管理员密码", type="password")
        if st.form_submit_button("登录"):
            if hmac.compare_digest(typed.encode(), password.get_secret_value().encode()):
                st.session_state["admin"] = True
                st.rerun()
            log.warning("admin login failed page=%s", page)
            st.error("密码不正确。")
    st.stop()


def clause_for(assistant: PolicyAssistant, doc_id: str, clause: str) -> Clause | None:
    return assistant.index.clauses.get(f"{doc_id}#{clause}")


def source_card(assistant: PolicyAssistant, citations: list[Citation], key: str) -> None:
    first = citations[0]
    clause = clause_for(assistant, first.doc_id, first.clause)
    with st.container(border=True):
        numbers = "".join(dict.fromkeys(f"[{c.n}]" for c in citations))
        st.markdown(f"**{safe_md(numbers)} {safe_md(first.label)}**")
        if all(c.verified for c in citations):
            st.badge("已核实：引文与原文逐字一致", icon=":material/verified:", color="green")
        else:
            st.badge("未核实：部分引文在原文中找不到", icon=":material/warning:", color="orange")
            for citation in citations:
                if not citation.verified:
                    st.caption(f"未核实的引文：{safe_md(citation.quote)}")
        if clause is not None:
            st.markdown(highlighted(clause.text, highlight_spans(clause, citations)))
            st.page_link(
                "views/documents.py",
                label="在原文中查看",
                icon=":material/article:",
                query_params={"doc": clause.doc_id, "clause": clause.clause},
            )


def related_list(hits: list[Hit], title: str, expanded: bool = False) -> None:
    if not hits:
        return
    with st.expander(title, expanded=expanded):
        for hit in hits:
            st.markdown(f"**{safe_md(hit.label)}**")
            snippet = hit.text if len(hit.text) <= 160 else hit.text[:160] + "…"
            st.caption(safe_md(snippet))
            st.page_link(
                "views/documents.py",
                label="在原文中查看",
                icon=":material/article:",
                query_params={"doc": hit.doc_id, "clause": hit.clause},
            )


def render_answer(assistant: PolicyAssistant, answer: Answer, key: str) -> None:
    if answer.standalone_question != answer.question:
        st.caption(f"已按“{safe_md(answer.standalone_question)}”检索")
    render_answer_body(answer)
    if answer.notice:
        st.info(safe_md(answer.notice), icon=":material/info:")
    # One card per clause, however many of its sentences are quoted.
    groups: dict[tuple[str, str], list[Citation]] = {}
    for citation in answer.citations:
        groups.setdefault((citation.doc_id, citation.clause), []).append(citation)
    for n, citations in enumerate(groups.values()):
        source_card(assistant, citations, f"{key}-{n}")
    cited = {(c.doc_id, c.clause) for c in answer.citations}
    related = [h for h in answer.hits if (h.doc_id, h.clause) not in cited]
    related_list(
        related,
        "相关条款（供参考，未作为引用）" if not answer.refused else "最接近的条款（供参考）",
        expanded=answer.refused,
    )
