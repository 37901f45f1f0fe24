"""Who is signed in, and the guard every page calls first: sign-in form, role check, session cookie."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import streamlit as st
from components import get_assistant, safe_md, show_flashes

from assistant.accounts import (
    ROLES,
    AccountStore,
    Principal,
    account_store,
    principal_for,
    principal_from_claims,
)
from assistant.errors import UserError

log = logging.getLogger("assistant.ui.auth")
COOKIE = "policy_assistant_session"
ANONYMOUS = Principal("anonymous", "访客", frozenset(), "anonymous")
ANY_ROLE = tuple(ROLES)

# Page file → roles that may open it, and its menu entry. The menu and the guards read this one table.
PAGES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "views/chat.py": ("问答", ":material/forum:", "ask", ("civil_servant",)),
    "views/documents.py": ("原文", ":material/article:", "documents", ANY_ROLE),
    "views/quiz_take.py": ("答题", ":material/edit_note:", "quiz-take", ("learner", "trainer")),
    "views/quiz_build.py": ("出题", ":material/quiz:", "quiz-build", ("trainer",)),
    "views/quiz_results.py": ("成绩", ":material/leaderboard:", "quiz-results", ("trainer", "learner")),
    "views/evals.py": ("评测", ":material/analytics:", "evals", ("evaluator",)),
    "views/manage.py": ("管理", ":material/admin_panel_settings:", "manage", ("admin",)),
    "views/accounts.py": ("账号", ":material/manage_accounts:", "accounts", ("admin",)),
    "views/profile.py": ("我的账号", ":material/person:", "profile", ANY_ROLE),
}
DEFAULT_PAGE = "views/chat.py"
# Pages a visitor may use when anonymous chat is switched on.
ANONYMOUS_PAGES = ("views/chat.py", "views/documents.py")


def _store() -> AccountStore:
    return account_store(get_assistant().settings)


def _oidc_claims() -> Mapping[str, object] | None:
    if not get_assistant().settings.accounts.oidc.provider:
        return None
    try:
        if st.user.is_logged_in:
            return st.user.to_dict()
    except Exception:  # no [auth] section in secrets.toml: single sign-on is not usable
        log.exception("OIDC user info unavailable")
    return None


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser request behind this run (tests, bare mode)
        return None
    return value if isinstance(value, str) and value else None


def current_principal() -> Principal | None:
    """The signed-in user, re-read on every run so role changes, locks and deactivation apply at once."""
    state = st.session_state
    claims = _oidc_claims()
    if claims is not None:
        principal = principal_from_claims(claims, get_assistant().settings.accounts.oidc)
    else:
        token = state.get("session_token") or _cookie()
        user = _store().session_user(token) if token else None
        if user is None:
            state.pop("session_token", None)
            state.pop("user", None)
            return None
        state["session_token"] = token
        principal = principal_for(user)
    state["user"] = principal.user_id  # what the quiz and chat pages key their records by
    return principal


def allowed(principal: Principal, page: str) -> bool:
    if principal.source == "anonymous":
        return page in ANONYMOUS_PAGES
    return principal.has(*PAGES[page][3])


def guard(page: str) -> Principal:
    """Call first on every page: shows the sign-in form or a refusal and stops unless the user may open it."""
    principal = current_principal()
    if principal is None:
        if page in ANONYMOUS_PAGES and get_assistant().settings.accounts.anonymous_chat:
            st.session_state["user"] = ANONYMOUS.user_id
            return ANONYMOUS
        login_form()
        st.stop()
    assert principal is not None
    if not allowed(principal, page):
        pages = [p for p in PAGES if allowed(principal, p)]
        if page == DEFAULT_PAGE and pages:
            own = [p for p in pages if PAGES[p][3] != ANY_ROLE] or pages
            st.switch_page(own[0])  # the start page of someone who may not chat is their first own page
        log.warning("page refused user=%s page=%s", principal.user_id, page)
        st.title(PAGES[page][0], anchor=False)
        st.error(
            f"您的账号（{principal.role_names}）无权使用此页面。如需使用，请联系系统管理员。", icon=":material/block:"
        )
        if pages:
            st.markdown("**您可以使用：**")
            for p in pages:
                st.page_link(p, label=PAGES[p][0], icon=PAGES[p][1])
        st.stop()
    return principal


def login_form() -> None:
    settings = get_assistant().settings
    st.title("登录", anchor=False)
    show_flashes()
    st.caption("请使用本单位分配的账号登录。")
    if not _store().all() and not settings.accounts.oidc.provider:
        st.info(
            "还没有任何账号。请在服务器上运行 `policy-assistant user add 用户名 --role admin` 创建第一个系统管理员。"
        )
    with st.form("login"):
        username = st.text_input("用户名", max_chars=64)
        password = st.text_input("密码", type="password", max_chars=256)
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        try:
            user = _store().authenticate(username.strip(), password)
            token = _store().start_session(user.username)
        except UserError as exc:  # a refused login, or a data dir where the session cannot be stored
            st.error(safe_md(str(exc)))
        else:
            st.session_state["session_token"] = token
            st.session_state["set_cookie"] = True
            st.rerun()
    oidc = settings.accounts.oidc
    if oidc.provider and st.button(oidc.button_label, icon=":material/badge:"):
        try:
            st.login(oidc.provider)
        except Exception:
            log.exception("st.login failed provider=%s", oidc.provider)
            st.error("统一身份认证暂不可用，请稍后再试或使用本地账号登录。")


def logout() -> None:
    state = st.session_state
    token = state.pop("session_token", None) or _cookie()
    if token:
        _store().end_session(token)
    for key in ("user", "messages", "conversation_id", "feedback_done"):
        state.pop(key, None)
    state["clear_cookie"] = True
    if _oidc_claims() is not None:
        st.logout()


def _served_over_https() -> bool:
    try:
        return str(st.context.url or "").startswith("https://")
    except Exception:
        return False


def sync_cookie() -> None:
    """Keep the browser's session cookie in step with sign-in and sign-out, so a reload stays signed in."""
    state = st.session_state
    script = None
    if state.pop("clear_cookie", False):
        script = f"document.cookie = '{COOKIE}=; path=/; max-age=0; SameSite=Strict';"
    elif state.pop("set_cookie", False) and state.get("session_token"):
        hours = get_assistant().settings.accounts.session_hours
        # The token is ours (URL-safe base64), never user text.
        token = str(state["session_token"])
        if not token.replace("-", "").replace("_", "").isalnum():
            raise UserError("会话标识无效，请重新登录。")
        secure = "; Secure" if _served_over_https() else ""
        script = f"document.cookie = '{COOKIE}={token}; path=/; max-age={int(hours * 3600)}; SameSite=Strict{secure}';"
    if script:
        st.html(f"<script>{script}</script>", unsafe_allow_javascript=True, width="content")
