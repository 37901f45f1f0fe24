"""Local accounts and roles in SQLite: argon2 hashes, lock after repeated failures, browser sessions, OIDC claims."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import secrets
import sqlite3
import time
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from assistant.audit import AuditLog, audit_log
from assistant.errors import UserError
from assistant.read_only import saving
from assistant.settings import AccountSettings, OIDCSettings, Settings

log = logging.getLogger("assistant.accounts")

# Role id → Chinese name. What each role may do is decided by the page guards.
ROLES = {
    "civil_servant": "公务员",
    "trainer": "培训管理员",
    "learner": "学员",
    "evaluator": "评测员",
    "admin": "系统管理员",
}
_USERNAME = re.compile(r"^[\w.@-]{1,64}$")
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when the user does not exist, so a wrong name takes as long as a wrong password.

    Made when an account store opens, not at import: every CLI command imports this module (for ROLES).
    """
    return _hasher.hash(secrets.token_hex(16))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failed INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    expires REAL NOT NULL
);
"""


class LoginError(UserError):
    """Sign-in refused; the message is safe to show (it never says whether the name exists)."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    roles: tuple[str, ...]
    disabled: bool
    locked_until: float
    failed: int

    def locked(self, now: float | None = None) -> bool:
        return self.locked_until > (time.time() if now is None else now)


@dataclass(frozen=True)
class Principal:
    """Whoever is using the UI now: a local account, an OIDC identity or an anonymous visitor."""

    user_id: str
    display_name: str
    roles: frozenset[str]
    source: str  # "local", "oidc" or "anonymous"

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role_names(self) -> str:
        return "、".join(ROLES[r] for r in ROLES if r in self.roles) or "无角色"


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(roles))
    unknown = [r for r in chosen if r not in ROLES]
    if unknown:
        raise UserError(
            f"未知角色：{'、'.join(unknown)}。可用角色：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}。"
        )
    return tuple(r for r in ROLES if r in chosen)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountStore:
    def __init__(self, path: Path, settings: AccountSettings, audit: AuditLog):
        self.path = path
        self.settings = settings
        self.audit = audit
        path.parent.mkdir(parents=True, exist_ok=True)
        with saving("账号与登录记录", self.path), closing(self._connect()) as db, db:
            db.executescript(_SCHEMA)
        _dummy_hash()  # made now, so the first unknown name is not slower than a wrong password

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def _check_password(self, password: str) -> None:
        if len(password) < self.settings.min_password_length:
            raise UserError(f"密码太短，至少需要 {self.settings.min_password_length} 个字符。")

    # --- reading -------------------------------------------------------------

    def get(self, username: str) -> User | None:
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT username, display_name, roles, disabled, locked_until, failed FROM users WHERE username = ?",
                (username,),
            ).fetchone()
        return _user(row) if row else None

    def all(self) -> list[User]:
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT username, display_name, roles, disabled, locked_until, failed FROM users ORDER BY username"
            ).fetchall()
        return [_user(r) for r in rows]

    def _require(self, username: str) -> User:
        user = self.get(username)
        if user is None:
            raise UserError(f"账号“{username}”不存在。")
        return user

    # --- changes (each one audited) -----------------------------------------

    def add(self, username: str, password: str, roles: Iterable[str], actor: str, display_name: str = "") -> User:
        if not _USERNAME.match(username):
            raise UserError("用户名只能包含字母、数字、汉字和 . _ @ -，长度不超过 64 个字符。")
        chosen = check_roles(roles)
        self._check_password(password)
        try:
            with saving("账号与登录记录", self.path), closing(self._connect()) as db, db:
                db.execute(
                    "INSERT INTO users (username, display_name, roles, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                    (
                        username,
                        display_name.strip() or username,
                        json.dumps(chosen),
                        _hasher.hash(password),
                        datetime.now(UTC).isoformat(timespec="seconds"),
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise UserError(f"账号“{username}”已存在。") from exc
        self.audit.record(actor, "account_add", username, "、".join(chosen))
        return self._require(username)

    def set_roles(self, username: str, roles: Iterable[str], actor: str) -> None:
        self._require(username)
        chosen = check_roles(roles)
        with saving("账号与登录记录", self.path), closing(self._connect()) as db, db:
            db.execute("UPDATE users SET roles = ? WHERE username = ?", (json.dumps(chosen), username))
        self.audit.record(actor, "account_roles", username, "、".join(chosen))

    def set_password(self, username: str, password: str, actor: str) -> None:
        """An administrator's reset: also unlocks and ends the user's browser sessions."""
        self._require(username)
        self._check_password(password)
        with saving("账号与登录记录", self.path), closing(self._connect()) as db, db:
            db.execute(
                "UPDATE users SET password_hash = ?, failed = 0, locked_until = 0 WHERE username = ?",
                (_hasher.hash(password), username),
            )
            db.execute("DELETE FROM sessions WHERE username = ?", (username,))
        self.audit.record(actor, "account_password" if actor != username else "password_change", username)

    def change_password(self, username: str, old: str, new: str) -> None:
        """The user's own change: the old password must be right (wrong ones count towards the lock)."""
        self.authenticate(username, old)
        if old == new:
            raise UserError("新密码不能与原密码相同。")
        self.set_password(username, new, actor=username)

    def unlock(self, username: str, actor: str) -> None:
        self._require(username)
        with saving("账号与登录记录", self.path), closing(self._connect()) as db, db:
            db.execute("UPDATE users SET failed = 0, locked_until = 0 WHERE username = ?", (username,))
        self.audit.record(actor, "account_unlock", username)

    def set_disabled(self, username: str, disabled: bool, actor: str) -> None:
        self._require(username)
        with saving("账号与登录记录", self.path), closing(self._connect()) as db, db:
            db.execute("UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username))
            if disabled:
                db.execute("DELETE FROM sessions WHERE username = ?", (username,))
        self.audit.record(actor, "account_disable" if disabled else "account_enable", username)

    # --- signing in ------------------------------------------------------------

    def authenticate(self, username: str, password: str, now: float | None = None) -> User:
        now = time.time() if now is None else now
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT password_hash, failed, locked_until, disabled FROM users WHERE username = ?", (username,)
            ).fetchone()
        if row is None:
            _verify(_dummy_hash(), password)
            log.warning("login failed user=%s reason=unknown", username)
            raise LoginError("用户名或密码不正确。")
        stored, failed, locked_until, disabled = row
        if locked_until > now:
            minutes = max(1, round((locked_until - now) / 60))
            log.warning("login refused user=%s reason=locked", username)
            raise LoginError(f"账号已锁定，请 {minutes} 分钟后再试，或请系统管理员解除锁定。")
        if not _verify(stored, password):
            failed += 1
            lock = failed >= self.settings.max_failed_logins
            until = now + self.settings.lock_minutes * 60 if lock else 0.0
            with saving("账号与登录记录", self.path), closing(self._connect()) as db, db:
                db.execute(
                    "UPDATE users SET failed = ?, locked_until = ? WHERE username = ?",
                    (0 if lock else failed, until, username),
                )
            log.warning("login failed user=%s reason=password failures=%d", username, failed)
            if lock:
                self.audit.record("system", "account_lock", username, f"连续 {failed} 次密码错误")
                raise LoginError(f"密码连续错误 {failed} 次，账号已锁定 {self.settings.lock_minutes:g} 分钟。")
            raise LoginError("用户名或密码不正确。")
        if disabled:
            log.warning("login refused user=%s reason=disabled", username)
            raise LoginError("账号已停用，请联系系统管理员。")
        with saving("账号与登录记录", self.path), closing(self._connect()) as db, db:
            db.execute("UPDATE users SET failed = 0, locked_until = 0 WHERE username = ?", (username,))
            if _hasher.check_needs_rehash(stored):
                db.execute("UPDATE users SET password_hash = ? WHERE username = ?", (_hasher.hash(password), username))
        log.info("login user=%s", username)
        return self._require(username)

    def start_session(self, username: str, now: float | None = None) -> str:
        """A random token for the browser's cookie; only its hash is stored."""
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(32)
        with saving("账号与登录记录", self.path), closing(self._connect()) as db, db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            db.execute(
                "INSERT INTO sessions (token_hash, username, expires) VALUES (?, ?, ?)",
                (_hash_token(token), username, now + self.settings.session_hours * 3600),
            )
        return token

    def session_user(self, token: str, now: float | None = None) -> User | None:
        """The user a live session token belongs to; None when expired, ended, disabled or locked."""
        now = time.time() if now is None else now
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT username FROM sessions WHERE token_hash = ? AND expires > ?", (_hash_token(token), now)
            ).fetchone()
        user = self.get(row[0]) if row else None
        if user is None or user.disabled or user.locked(now):
            return None
        return user

    def end_session(self, token: str) -> None:
        with saving("账号与登录记录", self.path), closing(self._connect()) as db, db:
            db.execute("DELETE FROM sessions WHERE token_hash = ?", (_hash_token(token),))


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _user(row: tuple) -> User:
    username, display_name, roles, disabled, locked_until, failed = row
    return User(username, display_name, tuple(json.loads(roles)), bool(disabled), float(locked_until), int(failed))


def account_store(settings: Settings) -> AccountStore:
    return AccountStore(settings.data_dir / "accounts.sqlite3", settings.accounts, audit_log(settings))


def principal_for(user: User) -> Principal:
    return Principal(user.username, user.display_name, frozenset(user.roles), "local")


def roles_from_claims(claims: Mapping[str, object], oidc: OIDCSettings) -> frozenset[str]:
    """Roles of an OIDC identity: the default roles plus those its roles claim maps to; unknown values add none."""
    value = claims.get(oidc.roles_claim)
    if isinstance(value, str):
        values = [v for v in re.split(r"[\s,]+", value) if v]
    elif isinstance(value, list | tuple):
        values = [str(v) for v in value]
    else:
        values = []
    roles = set(oidc.default_roles)
    for v in values:
        roles.update(oidc.role_map.get(v, []))
    return frozenset(r for r in roles if r in ROLES)


def principal_from_claims(claims: Mapping[str, object], oidc: OIDCSettings) -> Principal:
    subject = str(claims.get(oidc.user_claim) or claims.get("sub") or "")
    if not subject:
        raise LoginError("统一身份认证没有返回用户标识，请联系系统管理员检查单点登录配置。")
    display = str(claims.get("name") or subject)
    return Principal(f"oidc:{subject}", display, roles_from_claims(claims, oidc), "oidc")
