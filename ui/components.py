"""Shared pieces of the Streamlit pages: the cached assistant, safe Markdown, answer rendering."""

from __future__ import annotations

import hmac
import logging
import re
import threading
import time

import streamlit as st
from answer_render import answer_markdown, render_answer_body
from pydantic import SecretStr

from assistant.cite import highlight_spans
from assistant.errors import UserError
from assistant.service import PolicyAssistant
from assistant.settings import load_settings
from assistant.types import Answer, Citation, Clause, Document, Hit

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
            show_index_notice(index.notice)
            return assistant
        with _build_lock:
            # A read-only index is answered from as it is: no progress bar for an update that cannot run.
            if not index.ready or (index.read_only is None and index.is_stale()):
                bar = st.progress(0.0, text="正在建立索引，首次启动约需半分钟……")

                def progress(stage: str, done: int, total: int) -> None:
                    bar.progress(done / total if total else 1.0, text=stage)

                assistant.ensure_index(progress)
                bar.empty()
                corpus_changed.clear()
        show_index_notice(index.notice)
        return assistant
    except UserError as exc:
        st.error(str(exc))
        st.stop()
        raise


def show_index_notice(notice: str | None) -> None:
    """The one warning while the index cannot be updated (read-only folder, full disk)."""
    if notice:
        st.warning(safe_md(notice), icon=":material/lock:")


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
    with st.container(border=True, key=f"card-{key}"):
        for n in dict.fromkeys(c.n for c in citations):
            citation_anchor(key.rsplit("-", 1)[0], n)
        numbers = "".join(dict.fromkeys(f"[{c.n}]" for c in citations))
        st.markdown(f"**{safe_md(numbers)} {safe_md(first.label)}**")
        document = assistant.index.document(first.doc_id)
        if document is not None:
            st.caption(safe_md(document_line(document)))
        if all(c.verified for c in citations):
            st.badge("已核实：引文与原文逐字一致", icon=":material/verified:", color="green")
        else:
            st.badge("未核实：部分引文在原文中找不到", icon=":material/warning:", color="orange")
            for citation in citations:
                if not citation.verified:
                    st.caption(f"未核实的引文：{safe_md(citation.quote)}")
        if clause is not None:
            spans = highlight_spans(clause, citations)
            st.markdown(highlighted(clause.text, spans))
            params = {"doc": clause.doc_id, "clause": clause.clause}
            if spans:
                params["hl"] = ",".join(f"{start}-{end}" for start, end in spans)
            st.page_link("views/documents.py", label="在原文中查看", icon=":material/article:", query_params=params)


def document_line(document: Document) -> str:
    """The source's full title, kind, issuing body, version date and status, for its card."""
    parts = [f"《{document.title}》", document.kind, document.issuer]
    if document.version_date:
        parts.append(f"版本 {document.version_date}")
    parts.append("现行" if document.in_force else "旧版（已有新版本）")
    return " · ".join(p for p in parts if p)


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
    if answer.refused:
        render_answer_body(answer)
    else:
        # Two renderings, one shown by screen width (CSS below): on a phone each long quotation is shortened
        # to its opening words, so the full quote appears once, in its source card.
        compact = answer.model_copy(update={"answer": compact_quotes(answer.answer)})
        with st.container(key=f"answer-wide-{key}"):
            st.markdown(linked_markers(answer_markdown(answer), key))
        with st.container(key=f"answer-narrow-{key}"):
            st.markdown(linked_markers(answer_markdown(compact), key))
        if answer.sources_seen is not None and answer.sources_seen < len(answer.hits):
            st.caption(f"大模型只读到了前 {answer.sources_seen} 条检索结果（上下文长度所限）。")
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


# --- accounts engineer: times, flash messages, operator log, warm-up ----------


def local_time(iso: str | None, with_seconds: bool = False) -> str:
    """A stored UTC ISO time as local wall-clock time in the configured zone (Asia/Shanghai by default)."""
    if not iso:
        return "—"
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = ZoneInfo(get_assistant().settings.ui.timezone)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def flash(message: str, kind: str = "success") -> None:
    """A message that survives the st.rerun() that follows it; shown once by show_flashes()."""
    st.session_state.setdefault("flashes", []).append((kind, message))


def show_flashes() -> None:
    for kind, message in st.session_state.pop("flashes", []):
        {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}[kind](safe_md(message))


@st.cache_resource(show_spinner=False)
def configure_operator_log(data_dir: str) -> None:
    """Once per process: the UI writes the same operator log as the CLI (data dir logs/policy-assistant.log)."""
    from pathlib import Path

    logs = Path(data_dir) / "logs"
    try:
        logs.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(logs / "policy-assistant.log", encoding="utf-8")
    except OSError as exc:  # a read-only data dir must not stop the UI
        handler = logging.StreamHandler()
        logging.getLogger(__name__).warning("operator log not writable: %s", exc)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "policy_assistant_ui", False)]:
        root.removeHandler(old)  # the cache was cleared (tests, a new data dir): one operator log at a time
        old.close()
    handler.policy_assistant_ui = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    for noisy in ("httpx", "chromadb", "urllib3", "jieba", "bm25s", "watchdog", "tornado"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    log.info("ui started data_dir=%s", data_dir)


@st.cache_resource(show_spinner=False)
def warm_up(data_dir: str) -> threading.Thread:
    """Once per process, in the background: load the embedder, the tokenizer and the lexical index with one search,
    so the first question is as fast as the rest."""

    def run() -> None:
        started = time.perf_counter()
        try:
            get_assistant().search("政策")
            log.info("warm-up done in %.1f s", time.perf_counter() - started)
        except Exception:
            log.exception("warm-up failed")

    thread = threading.Thread(target=run, name="warm-up", daemon=True)
    thread.start()
    return thread


# --- accounts engineer: citation markers that open their source card --------

_ESCAPED_MARKER = re.compile(r"\\\[(\d{1,3})\\\]")


def marker_id(key: str, n: int) -> str:
    """The HTML id of citation n's card in answer `key` (hex ids and digits only, safe in a URL fragment)."""
    return f"cite-{re.sub(r'[^0-9A-Za-z-]', '', key)}-{n}"


def linked_markers(escaped_markdown: str, key: str) -> str:
    """Turn each escaped [n] of safe_md output into a link to its source card, e.g. [\\[1\\]](#cite-…-1)."""
    return _ESCAPED_MARKER.sub(lambda m: f"[\\[{m[1]}\\]](#{marker_id(key, int(m[1]))})", escaped_markdown)


def citation_anchor(key: str, n: int) -> None:
    """An empty element with the marker's id at the top of its card: the link scrolls to it, CSS outlines the card."""
    st.html(f'<div id="{marker_id(key, n)}" class="citation-anchor"></div>')


# Our own stylesheet (no user text): a targeted card is outlined; anchors take no space.
CITATION_CSS = """
[data-testid="stElementContainer"]:has(.citation-anchor) { position: absolute; }
[class*="st-key-card-"]:has(.citation-anchor:target) { outline: 3px solid #b71c1c; outline-offset: 2px; }
[class*="st-key-answer-narrow-"] { display: none; }
@media (max-width: 640px) {
  [class*="st-key-answer-wide-"] { display: none; }
  [class*="st-key-answer-narrow-"] { display: flex; }
}
"""
_CITED_QUOTE = re.compile(r"“([^“”]+)”(?=\s*\[\d{1,3}\])")
COMPACT_QUOTE_CHARS = 24


def compact_quotes(text: str, keep: int = COMPACT_QUOTE_CHARS) -> str:
    """Each cited quotation longer than `keep` characters cut to its opening words: “加快构建……”[1]."""
    return _CITED_QUOTE.sub(lambda m: m[0] if len(m[1]) <= keep else f"“{m[1][:keep]}……”", text)


def chinese_widget_css(upload_limit_mb: float) -> str:
    """Streamlit has no setting for a few of its own widget strings; relabel them in Chinese with CSS."""
    relabel = [
        ('[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p', "选择文件", "1rem"),
        (
            '[data-testid="stFileUploaderDropzoneInstructions"] span',
            f"单个文件不超过 {upload_limit_mb:g} MB",
            "0.875rem",
        ),
        ('[role="option"][data-key^="__select"] [data-item-hl]', "全选", "1rem"),
    ]
    return "".join(
        f"{selector} {{ font-size: 0; }} {selector}::after {{ content: '{text}'; font-size: {size}; }}\n"
        for selector, text, size in relabel
    )


def upload_limit_mb() -> float:
    """The smaller of our own limit and Streamlit's (.streamlit/config.toml server.maxUploadSize), which the uploader enforces."""
    return min(get_assistant().settings.ui.max_upload_mb, float(st.get_option("server.maxUploadSize")))
