"""管理: document list, uploads, re-indexing and removal — behind the admin password."""

from __future__ import annotations

import streamlit as st
from components import get_assistant, require_admin, safe_md

from assistant.errors import UserError
from assistant.ingest.readers import SUPPORTED_SUFFIXES
from assistant.uploads import remove_uploaded, save_upload

assistant = get_assistant()
settings = assistant.settings
index = assistant.index

st.title("文档管理")
flash = st.session_state.pop("manage_flash", None)
if flash:
    st.success(flash)
rows = [
    {
        "文档": d.title,
        "编号": d.doc_id,
        "来源": "系统自带" if d.origin == "corpus" else "上传",
        "格式": d.format,
        "条款数": len(d.clauses),
        "索引状态": "已索引",
    }
    for d in index.documents
]
st.dataframe(rows, hide_index=True, width="stretch")
if index.is_stale():
    st.info("文档目录有改动，尚未重新索引。")

password = settings.ui.admin_password
if password is None:
    st.warning(
        "管理功能未启用。请在设置中配置管理员密码后重启服务："
        "设置环境变量 POLICY_ASSISTANT_UI\\_\\_ADMIN\\_PASSWORD，或在设置文件 policy-assistant.toml 的 [ui] 部分填写 admin\\_password。",
        icon=":material/lock:",
    )
    st.stop()

require_admin(password, "login", "manage")

st.subheader("上传文档", anchor=False)
st.caption(
    f"支持 {'、'.join(s.lstrip('.') for s in SUPPORTED_SUFFIXES)}；单个文件不超过 {settings.ui.max_upload_mb:g} MB。"
)
uploads = st.file_uploader(
    "选择文件", type=[s.lstrip(".") for s in SUPPORTED_SUFFIXES], accept_multiple_files=True, key="uploads"
)
if uploads and st.button("保存并重新索引", type="primary"):
    saved = 0
    for upload in uploads:
        try:
            save_upload(index, upload.name, upload.getvalue())
            saved += 1
        except UserError as exc:
            st.error(safe_md(str(exc)))
    if saved:
        bar = st.progress(0.0, text="正在重新索引……")
        report = index.sync(
            progress=lambda stage, done, total: bar.progress(done / total if total else 1.0, text=stage)
        )
        bar.empty()
        st.success(f"已保存 {saved} 个文件；新增 {len(report.added)} 个、更新 {len(report.updated)} 个文档。")
        for error in report.errors:
            st.error(safe_md(f"{error.path}：{error.reason}"))

st.subheader("重新索引", anchor=False)
if st.button("重新索引全部文档"):
    bar = st.progress(0.0, text="正在重新索引……")
    report = index.sync(progress=lambda stage, done, total: bar.progress(done / total if total else 1.0, text=stage))
    bar.empty()
    st.success(f"索引完成：{report.documents} 个文档、{report.clauses} 个条款，用时 {report.seconds:.1f} 秒。")

st.subheader("删除文档", anchor=False)
uploaded = {d.doc_id: d.title for d in index.documents if d.origin == "uploaded"}
if not uploaded:
    st.caption("没有可删除的上传文档（系统自带文档不能删除）。")
else:
    target = st.selectbox("选择要删除的文档", options=list(uploaded), format_func=lambda d: uploaded[d])
    confirm = st.checkbox("我确认删除该文档及其索引")
    if st.button("删除", disabled=not confirm):
        try:
            remove_uploaded(index, target)
            st.session_state["manage_flash"] = "已删除。"
            st.rerun()
        except UserError as exc:
            st.error(safe_md(str(exc)))
