"""原文: every indexed document with its table of contents, clause anchors and lint findings in place."""

from __future__ import annotations

import streamlit as st
from auth import guard
from components import get_assistant, highlighted, safe_md

from assistant.lint import lint_document
from assistant.types import Clause, LintFinding

guard("views/documents.py")
assistant = get_assistant()
documents = assistant.index.headers  # titles only; the one shown is decoded below
if not documents:
    st.info("还没有索引任何文档。请在“管理”页上传文档，或把文件放入文档目录后重新索引。")
    st.stop()

params = st.query_params
titles = {d.doc_id: d.title for d in documents}
requested = params.get("doc")
default = list(titles).index(requested) if requested in titles else 0
doc_id = st.selectbox("文档", options=list(titles), index=default, format_func=lambda d: titles[d])
document = assistant.index.document(doc_id)
if document is None:  # removed by an update since the page was drawn
    st.rerun()
focus = params.get("clause") if requested == doc_id else None


def quoted_spans(value: str | None, length: int) -> list[tuple[int, int]]:
    """The hl=start-end,… parameter of a citation link; anything malformed or out of range is ignored."""
    spans: list[tuple[int, int]] = []
    for part in (value or "").split(",")[:20]:
        start, _, end = part.partition("-")
        if start.isdigit() and end.isdigit() and 0 <= int(start) < int(end) <= length:
            spans.append((int(start), int(end)))
    spans.sort()
    return [s for i, s in enumerate(spans) if i == 0 or s[0] >= spans[i - 1][1]]


@st.cache_data(show_spinner=False)
def findings_for(doc_id: str, sha256: str) -> list[LintFinding]:
    # Keyed by content hash, so a re-indexed document is linted again.
    doc = assistant.index.document(doc_id)
    return lint_document(doc) if doc else []


findings = findings_for(document.doc_id, document.sha256)
by_clause: dict[str | None, list[LintFinding]] = {}
for finding in findings:
    by_clause.setdefault(finding.clause, []).append(finding)


def anchor(clause: Clause) -> str:
    return f"clause-{clause.order}"


st.title(safe_md(document.title), anchor=False)
origin = "系统自带" if document.origin == "corpus" else "上传文档"
st.caption(f"文档编号 {document.doc_id} · {origin} · {len(document.clauses)} 个条款 · 提示 {len(findings)} 条")

target: Clause | None = None
if focus:
    target = next((c for c in document.clauses if c.clause == focus), None)
    if target is None:
        st.warning("该条款在当前文档中不存在，可能文档已更新。")
    else:
        with st.container(border=True):
            st.markdown(f"**当前查看：{safe_md(target.label)}**")
            st.markdown(highlighted(target.text, quoted_spans(params.get("hl"), len(target.text))))
            for finding in by_clause.get(target.clause, []):
                st.warning(safe_md(finding.message), icon=":material/flag:")

toc, body = st.columns([1, 3])
with toc:
    st.markdown("#### 目录")
    part = None
    lines = []
    for clause in document.clauses:
        if clause.part and clause.part != part:
            part = clause.part
            lines.append(f"**{safe_md(part)}**")
        short = clause.label.split("》", 1)[-1]
        flag = " ⚠️" if by_clause.get(clause.clause) else ""
        lines.append(f"- [{safe_md(short)}](#{anchor(clause)}){flag}")
    st.markdown("  \n".join(lines))

with body:
    part = None
    for clause in document.clauses:
        if clause.part and clause.part != part:
            part = clause.part
            st.header(safe_md(part), anchor=False)
        text_column, notes_column = st.columns([3, 1])
        with text_column:
            st.subheader(safe_md(clause.label.split("》", 1)[-1]), anchor=anchor(clause))
            if focus == clause.clause:
                st.markdown(highlighted(clause.text, quoted_spans(params.get("hl"), len(clause.text))))
            else:
                st.markdown(safe_md(clause.text))
        with notes_column:
            for finding in by_clause.get(clause.clause, []):
                if finding.severity == "info":
                    st.caption(f"提示：{safe_md(finding.message)}")
                else:
                    st.warning(safe_md(finding.message), icon=":material/flag:")

if focus and target is not None:
    # Scroll the page to the linked clause in the full text; the id is ours (clause-<number>), never user text.
    st.html(
        "<script>(function s(t){const e=document.getElementById('"
        + anchor(target)
        + "');if(e){e.scrollIntoView({block:'start'});}else if(t>0){setTimeout(()=>s(t-1),100);}})(50);</script>",
        unsafe_allow_javascript=True,
    )
