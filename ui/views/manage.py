"""管理: document list, uploads, re-indexing and removal — for system administrators, every action audited."""

from __future__ import annotations

import streamlit as st
from auth import guard
from components import flash, get_assistant, safe_md, show_flashes, upload_limit_mb

from assistant.audit import audit_log
from assistant.errors import UserError
from assistant.ingest.readers import SUPPORTED_SUFFIXES
from assistant.uploads import remove_uploaded, save_upload

principal = guard("views/manage.py")
assistant = get_assistant()
settings = assistant.settings
index = assistant.index

st.title("文档管理")
show_flashes()
rows = [
    {
        "文档": d.title,
        "编号": d.doc_id,
        "来源": "系统自带" if d.origin == "corpus" else "上传",
        "格式": d.format,
        "条款数": len(d.clauses),
        "索引状态": "已索引",
    }
    for d in index.headers
]
st.dataframe(rows, hide_index=True, width="stretch")
if index.read_only is not None:  # uploads, re-indexing and removal all write: the list is all this page offers
    st.caption("索引为只读（见上方提示），不能上传、重新索引或删除文档。")
    st.stop()
audit = audit_log(settings)
if index.is_stale():
    st.info("文档目录有改动，尚未重新索引。")

st.subheader("上传文档", anchor=False)
st.caption(f"支持 {'、'.join(s.lstrip('.') for s in SUPPORTED_SUFFIXES)}；单个文件不超过 {upload_limit_mb():g} MB。")
uploads = st.file_uploader(
    "选择文件",
    type=[s.lstrip(".") for s in SUPPORTED_SUFFIXES],
    accept_multiple_files=True,
    key=f"uploads-{st.session_state.get('upload_round', 0)}",  # a new key empties the uploader after saving
)
if uploads and st.button("保存并重新索引", type="primary"):
    saved = 0
    for upload in uploads:
        try:
            save_upload(index, upload.name, upload.getvalue())
            audit.record(principal.user_id, "upload", upload.name, f"{len(upload.getvalue())} 字节")
            saved += 1
        except UserError as exc:
            flash(str(exc), "error")
    if saved:
        bar = st.progress(0.0, text="正在重新索引……")
        try:
            report = index.sync(
                progress=lambda stage, done, total: bar.progress(done / total if total else 1.0, text=stage)
            )
        except UserError as exc:  # e.g. the disk filled up: the files are saved, the index catches up later
            flash(str(exc), "error")
        else:
            flash(f"已保存 {saved} 个文件；新增 {len(report.added)} 个、更新 {len(report.updated)} 个文档。")
            for error in report.errors:
                flash(f"{error.path}：{error.reason}", "error")
        bar.empty()
    st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
    st.rerun()  # the document list above must show the new files, and the messages survive the rerun

st.subheader("重新索引", anchor=False)
if st.button("重新索引全部文档"):
    bar = st.progress(0.0, text="正在重新索引……")
    try:
        report = index.sync(
            progress=lambda stage, done, total: bar.progress(done / total if total else 1.0, text=stage)
        )
    except UserError as exc:
        flash(str(exc), "error")
    else:
        audit.record(principal.user_id, "reindex", "", f"{report.documents} 个文档、{report.clauses} 个条款")
        flash(f"索引完成：{report.documents} 个文档、{report.clauses} 个条款，用时 {report.seconds:.1f} 秒。")
    bar.empty()
    st.rerun()

st.subheader("删除文档", anchor=False)
uploaded = {d.doc_id: d.title for d in index.headers if d.origin == "uploaded"}
if not uploaded:
    st.caption("没有可删除的上传文档（系统自带文档不能删除）。")
else:
    target = st.selectbox("选择要删除的文档", options=list(uploaded), format_func=lambda d: uploaded[d])
    confirm = st.checkbox("我确认删除该文档及其索引")
    if st.button("删除", disabled=not confirm):
        try:
            remove_uploaded(index, target)
            audit.record(principal.user_id, "delete_document", target, uploaded[target])
            flash("已删除。")
            st.rerun()
        except UserError as exc:
            st.error(safe_md(str(exc)))
