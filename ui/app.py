"""政策问答助手 — Streamlit entry point: page setup, navigation by role, the signed-in user in the sidebar."""

from __future__ import annotations

import streamlit as st
from auth import ANONYMOUS, PAGES, allowed, current_principal, logout, sync_cookie
from components import (
    APP_NAME,
    CITATION_CSS,
    chinese_widget_css,
    configure_operator_log,
    get_assistant,
    ready_assistant,
    safe_md,
    upload_limit_mb,
    warm_up,
)

# "auto" collapses the sidebar on narrow screens, so on a phone it does not open over the chat.
st.set_page_config(page_title=APP_NAME, page_icon="📜", layout="wide", initial_sidebar_state="auto")
settings = get_assistant().settings
configure_operator_log(str(settings.data_dir))
assistant = ready_assistant()
warm_up(str(settings.data_dir))
sync_cookie()
st.html(f"<style>{CITATION_CSS}{chinese_widget_css(upload_limit_mb())}</style>")
principal = current_principal()
if principal is None and settings.accounts.anonymous_chat:
    principal = ANONYMOUS


def chat_alias() -> None:
    # /chat is the address people type and bookmark; the chat page itself is the default page at /.
    st.switch_page("views/chat.py")


pages = [
    st.Page(
        path,
        title=title,
        icon=icon,
        default=path == "views/chat.py",
        url_path=url,
        # Every page stays registered so a typed URL reaches its guard (a Chinese refusal, not "Page not found");
        # the menu shows only what the user may open.
        visibility="visible" if principal is not None and allowed(principal, path) else "hidden",
    )
    for path, (title, icon, url, _roles) in PAGES.items()
]
pages.append(st.Page(chat_alias, title="问答", url_path="chat", visibility="hidden"))
navigation = st.navigation(pages)

with st.sidebar:
    if principal is ANONYMOUS:
        st.page_link("views/profile.py", label="登录", icon=":material/login:")
    elif principal is not None:
        st.markdown(f"**{APP_NAME}**  \n:material/person: {safe_md(principal.display_name)}（{principal.role_names}）")
        if st.button("退出登录", icon=":material/logout:", key="logout"):
            logout()
            st.rerun()

navigation.run()
