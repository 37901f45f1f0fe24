"""账号: the administrator's list of accounts — create, change roles, reset passwords, unlock, disable — and the audit log."""

from __future__ import annotations

import streamlit as st
from auth import guard
from components import flash, get_assistant, local_time, safe_md, show_flashes

from assistant.accounts import ROLES, account_store
from assistant.audit import ACTIONS, audit_log
from assistant.errors import UserError

principal = guard("views/accounts.py")
settings = get_assistant().settings
store = account_store(settings)
actor = principal.user_id


def role_label(role: str) -> str:
    return ROLES[role]


st.title("账号与操作记录", anchor=False)
show_flashes()
accounts_tab, audit_tab = st.tabs(["账号", "操作记录"])

with accounts_tab:
    users = store.all()
    st.dataframe(
        [
            {
                "用户名": u.username,
                "姓名": u.display_name,
                "角色": "、".join(ROLES[r] for r in u.roles) or "无",
                "状态": "已停用" if u.disabled else "已锁定" if u.locked() else "正常",
            }
            for u in users
        ],
        hide_index=True,
        width="stretch",
    )

    st.subheader("新建账号", anchor=False)
    with st.form("account-add", clear_on_submit=True):
        left, right = st.columns(2)
        username = left.text_input("用户名", max_chars=64)
        display_name = right.text_input("姓名（可选）", max_chars=64)
        roles = st.multiselect("角色", list(ROLES), format_func=role_label, placeholder="请选择角色")
        password = st.text_input(f"初始密码（至少 {settings.accounts.min_password_length} 个字符）", type="password")
        if st.form_submit_button("新建", type="primary"):
            try:
                store.add(username.strip(), password, roles, actor=actor, display_name=display_name)
                flash(f"已新建账号 {username.strip()}。")
                st.rerun()
            except UserError as exc:
                st.error(safe_md(str(exc)))

    if users:
        st.subheader("修改账号", anchor=False)
        names = [u.username for u in users]
        target = st.selectbox("账号", names, key="account-target")
        user = next(u for u in users if u.username == target)
        with st.form(f"account-roles-{target}"):
            chosen = st.multiselect(
                "角色", list(ROLES), default=list(user.roles), format_func=role_label, placeholder="请选择角色"
            )
            if st.form_submit_button("保存角色"):
                if target == actor and "admin" not in chosen:
                    st.error("不能取消自己的系统管理员角色，请由其他管理员操作。")
                else:
                    store.set_roles(target, chosen, actor=actor)
                    flash(f"已修改 {target} 的角色。")
                    st.rerun()
        with st.form(f"account-password-{target}", clear_on_submit=True):
            new_password = st.text_input("新密码", type="password")
            if st.form_submit_button("重设密码"):
                try:
                    store.set_password(target, new_password, actor=actor)
                    flash(f"已重设 {target} 的密码，并解除锁定。")
                    st.rerun()
                except UserError as exc:
                    st.error(safe_md(str(exc)))
        row = st.container(horizontal=True)
        if user.locked() and row.button("解除锁定", key="account-unlock"):
            store.unlock(target, actor=actor)
            flash(f"已解除 {target} 的锁定。")
            st.rerun()
        if target != actor and row.button("启用账号" if user.disabled else "停用账号", key="account-disable"):
            store.set_disabled(target, not user.disabled, actor=actor)
            flash(f"已{'启用' if user.disabled else '停用'} {target}。")
            st.rerun()

with audit_tab:
    action = st.selectbox(
        "操作类型", [None, *ACTIONS], format_func=lambda a: "全部" if a is None else ACTIONS[a], key="audit-action"
    )
    entries = audit_log(settings).entries(limit=500, action=action)
    if not entries:
        st.caption("还没有操作记录。")
    else:
        st.dataframe(
            [
                {
                    "时间": local_time(e.at, with_seconds=True),
                    "操作人": e.actor,
                    "操作": e.action_label,
                    "对象": e.target,
                    "说明": e.detail,
                }
                for e in entries
            ],
            hide_index=True,
            width="stretch",
        )
