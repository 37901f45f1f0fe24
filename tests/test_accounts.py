"""Local accounts, roles, lock after failures, browser sessions, OIDC claim mapping and the audit log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.accounts import (
    ROLES,
    LoginError,
    account_store,
    principal_from_claims,
    roles_from_claims,
)
from assistant.accounts_cli import user_group
from assistant.audit import audit_log
from assistant.errors import UserError
from assistant.settings import OIDCSettings, Settings, load_settings

PASSWORD = "long-enough-pass"


@pytest.fixture
def settings(isolated_environment: Path) -> Settings:
    return load_settings()


def test_password_is_stored_as_an_argon2_hash_and_verifies(settings):
    store = account_store(settings)
    store.add("zhang", PASSWORD, ["civil_servant"], actor="test")

    user = store.authenticate("zhang", PASSWORD)

    assert user.roles == ("civil_servant",)
    with sqlite3.connect(settings.data_dir / "accounts.sqlite3") as db:
        (stored,) = db.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_wrong_password_and_unknown_user_get_the_same_message(settings):
    store = account_store(settings)
    store.add("zhang", PASSWORD, ["civil_servant"], actor="test")

    with pytest.raises(LoginError) as wrong:
        store.authenticate("zhang", "not-the-password")
    with pytest.raises(LoginError) as unknown:
        store.authenticate("nobody", "not-the-password")

    assert str(wrong.value) == str(unknown.value) == "用户名或密码不正确。"


def test_account_locks_after_the_configured_failures_and_unlocks_after_the_lock_time(settings, monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__MAX_FAILED_LOGINS", "3")
    monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__LOCK_MINUTES", "10")
    store = account_store(load_settings())
    store.add("li", PASSWORD, ["learner"], actor="test")
    now = 1_000_000.0

    for _ in range(2):
        with pytest.raises(LoginError, match="用户名或密码不正确"):
            store.authenticate("li", "wrong-password", now=now)
    with pytest.raises(LoginError, match="账号已锁定 10 分钟"):
        store.authenticate("li", "wrong-password", now=now)
    with pytest.raises(LoginError, match="账号已锁定"):
        store.authenticate("li", PASSWORD, now=now + 60)  # the right password does not open a locked account

    assert store.authenticate("li", PASSWORD, now=now + 601).username == "li"
    assert next((e.actor, e.action, e.target) for e in audit_log(load_settings()).entries()) == (
        "system",
        "account_lock",
        "li",
    )


def test_success_resets_the_failure_count(settings, monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__MAX_FAILED_LOGINS", "2")
    store = account_store(load_settings())
    store.add("li", PASSWORD, ["learner"], actor="test")

    with pytest.raises(LoginError):
        store.authenticate("li", "wrong-password")
    store.authenticate("li", PASSWORD)
    with pytest.raises(LoginError, match="用户名或密码不正确"):
        store.authenticate("li", "wrong-password")

    assert not store.get("li").locked()


def test_administrator_unlock_and_password_reset_reopen_the_account(settings, monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__MAX_FAILED_LOGINS", "1")
    store = account_store(load_settings())
    store.add("li", PASSWORD, ["learner"], actor="test")
    with pytest.raises(LoginError, match="已锁定"):
        store.authenticate("li", "wrong-password")

    store.unlock("li", actor="admin")
    assert store.authenticate("li", PASSWORD)

    with pytest.raises(LoginError):
        store.authenticate("li", "wrong-password")
    store.set_password("li", "another-long-pass", actor="admin")
    assert store.authenticate("li", "another-long-pass")


def test_password_change_needs_the_old_password_and_a_long_enough_new_one(settings):
    store = account_store(settings)
    store.add("wang", PASSWORD, ["trainer"], actor="test")

    with pytest.raises(LoginError):
        store.change_password("wang", "wrong-old-password", "brand-new-password")
    with pytest.raises(UserError, match="密码太短"):
        store.change_password("wang", PASSWORD, "short")
    store.change_password("wang", PASSWORD, "brand-new-password")

    with pytest.raises(LoginError):
        store.authenticate("wang", PASSWORD)
    assert store.authenticate("wang", "brand-new-password")
    assert audit_log(settings).entries()[0].action == "password_change"


def test_disabled_account_cannot_sign_in_and_its_sessions_end(settings):
    store = account_store(settings)
    store.add("zhao", PASSWORD, ["evaluator"], actor="test")
    token = store.start_session("zhao")
    assert store.session_user(token).username == "zhao"

    store.set_disabled("zhao", True, actor="admin")

    assert store.session_user(token) is None
    with pytest.raises(LoginError, match="已停用"):
        store.authenticate("zhao", PASSWORD)


def test_session_token_expires_and_ends_on_logout(settings):
    store = account_store(settings)
    store.add("zhao", PASSWORD, ["evaluator"], actor="test")
    now = 2_000_000.0
    token = store.start_session("zhao", now=now)

    assert store.session_user(token, now=now + 60).username == "zhao"
    assert store.session_user(token, now=now + settings.accounts.session_hours * 3600 + 1) is None
    assert store.session_user("forged-token", now=now) is None
    store.end_session(token)
    assert store.session_user(token, now=now + 60) is None


def test_unknown_roles_bad_names_and_duplicates_are_refused(settings):
    store = account_store(settings)
    with pytest.raises(UserError, match="未知角色"):
        store.add("a", PASSWORD, ["boss"], actor="test")
    with pytest.raises(UserError, match="用户名只能包含"):
        store.add("a b", PASSWORD, ["admin"], actor="test")
    store.add("a", PASSWORD, ["admin"], actor="test")
    with pytest.raises(UserError, match="已存在"):
        store.add("a", PASSWORD, ["admin"], actor="test")


def test_a_user_may_hold_several_roles_and_role_changes_are_audited(settings):
    store = account_store(settings)
    store.add("chen", PASSWORD, ["learner"], actor="cli")

    store.set_roles("chen", ["evaluator", "trainer", "trainer"], actor="boss")

    assert store.get("chen").roles == ("trainer", "evaluator")
    entries = audit_log(settings).entries()
    assert [(e.actor, e.action, e.target) for e in entries] == [
        ("boss", "account_roles", "chen"),
        ("cli", "account_add", "chen"),
    ]


# --- CLI ---------------------------------------------------------------------


def test_cli_creates_the_first_administrator(settings):
    result = CliRunner().invoke(
        user_group, ["add", "root", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n"
    )

    assert result.exit_code == 0, result.output
    assert result.output == "已创建账号 root（系统管理员）。\n"
    assert account_store(settings).authenticate("root", PASSWORD).roles == ("admin",)


def test_cli_lists_and_unlocks_accounts(settings, monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__MAX_FAILED_LOGINS", "1")
    store = account_store(load_settings())
    store.add("li", PASSWORD, ["learner", "civil_servant"], actor="test")
    with pytest.raises(LoginError):
        store.authenticate("li", "wrong-password")
    runner = CliRunner()

    assert runner.invoke(user_group, ["list"]).output == "li\tli\t公务员、学员\t已锁定\n"
    assert runner.invoke(user_group, ["unlock", "li"]).exit_code == 0
    assert runner.invoke(user_group, ["list"]).output == "li\tli\t公务员、学员\t正常\n"


# --- OIDC claims -------------------------------------------------------------

OIDC = OIDCSettings(
    provider="org",
    roles_claim="groups",
    role_map={"policy-trainers": ["trainer"], "policy-admins": ["admin", "evaluator"], "ignored": ["boss"]},
    default_roles=["civil_servant"],
)


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        (None, {"civil_servant"}),
        ([], {"civil_servant"}),
        (["policy-trainers"], {"civil_servant", "trainer"}),
        (["policy-admins", "policy-trainers"], {"civil_servant", "trainer", "admin", "evaluator"}),
        ("policy-admins policy-trainers", {"civil_servant", "trainer", "admin", "evaluator"}),
        ("policy-trainers,unknown", {"civil_servant", "trainer"}),
        (["unknown-group"], {"civil_servant"}),
        (["ignored"], {"civil_servant"}),  # a mapping to a role that does not exist grants nothing
        ({"nested": "object"}, {"civil_servant"}),
    ],
)
def test_oidc_roles_come_from_the_mapped_claim_values(claim, expected):
    claims = {"sub": "s1", "email": "a@b.cn"} | ({} if claim is None else {"groups": claim})

    assert roles_from_claims(claims, OIDC) == frozenset(expected)


def test_oidc_identity_is_named_by_the_user_claim_and_falls_back_to_sub():
    with_email = principal_from_claims({"sub": "s1", "email": "a@b.cn", "name": "张三"}, OIDC)
    only_sub = principal_from_claims({"sub": "s1"}, OIDC)

    assert (with_email.user_id, with_email.display_name, with_email.source) == ("oidc:a@b.cn", "张三", "oidc")
    assert only_sub.user_id == "oidc:s1"
    with pytest.raises(LoginError):
        principal_from_claims({"name": "x"}, OIDC)


def test_oidc_without_a_default_role_grants_only_mapped_roles():
    oidc = OIDC.model_copy(update={"default_roles": []})

    assert roles_from_claims({"groups": ["nothing"]}, oidc) == frozenset()
    assert roles_from_claims({"groups": ["policy-trainers"]}, oidc) == {"trainer"}


def test_every_role_has_a_chinese_name():
    assert set(ROLES) == {"civil_servant", "trainer", "learner", "evaluator", "admin"}
    assert all("\u4e00" <= name[0] <= "\u9fff" for name in ROLES.values())


def test_audit_refuses_unknown_actions(settings):
    with pytest.raises(ValueError):
        audit_log(settings).record("x", "drop_tables")
