"""我的账号: who is signed in, with which roles; change one's own password."""

from __future__ import annotations

import streamlit as st
from auth import guard
from components import flash, get_assistant, safe_md, show_flashes

from assistant.accounts import account_store
from assistant.errors import UserError

principal = guard("views/profile.py")
settings = get_assistant().settings

st.title("我的账号", anchor=False)
show_flashes()
st.markdown(f"**用户名：** {safe_md(principal.user_id)}  \n**角色：** {principal.role_names}")

if principal.source != "local":
    st.caption("您通过单位统一身份认证登录，密码由统一身份认证系统管理。")
    st.stop()

st.subheader("修改密码", anchor=False)
with st.form("password", clear_on_submit=True):
    old = st.text_input("原密码", type="password")
    new = st.text_input(f"新密码（至少 {settings.accounts.min_password_length} 个字符）", type="password")
    again = st.text_input("再次输入新密码", type="password")
    submitted = st.form_submit_button("修改密码", type="primary")
if submitted:
    if new != again:
        st.error("两次输入的新密码不一致。")
    else:
        try:
            account_store(settings).change_password(principal.user_id, old, new)
        except UserError as exc:
            st.error(safe_md(str(exc)))
        else:
            # Changing the password ends every session, this one included: sign in again with the new password.
            st.session_state.pop("session_token", None)
            st.session_state["clear_cookie"] = True
            flash("密码已修改，请用新密码重新登录。")
            st.rerun()
