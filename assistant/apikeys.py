"""API keys for the HTTP API: random secrets shown once, stored as SHA-256 hashes in SQLite, each with a role."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from assistant.accounts import ROLES  # one definition of the roles for accounts and API keys
from assistant.errors import UserError
from assistant.read_only import saving
from assistant.settings import Settings

PREFIX = "pa"
_NAME = re.compile(r"^[\w.@-]{1,64}$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
)
"""


class APIKey(BaseModel):
    key_id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None = None

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)


def parse_role(text: str) -> str:
    """A role id from its id or its Chinese name."""
    by_name = {name: role for role, name in ROLES.items()}
    role = text if text in ROLES else by_name.get(text)
    if role is None:
        choices = "、".join(f"{r}（{n}）" for r, n in ROLES.items())
        raise UserError(f"未知角色“{text}”，可选：{choices}。")
    return role


def _digest(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is safe; a slow one would cost every request.
    return hashlib.sha256(secret.encode()).hexdigest()


class APIKeyStore:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with saving("API 密钥", self.path), closing(self._connect()) as db, db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, name: str, role: str) -> tuple[APIKey, str]:
        """A new key; the full secret is returned here only and never stored."""
        if not _NAME.match(name):
            raise UserError("密钥名称只能包含字母、数字、下划线、点、@ 和连字符，最长 64 个字符。")
        role = parse_role(role)
        key_id = secrets.token_hex(6)
        token = f"{PREFIX}-{key_id}-{secrets.token_urlsafe(32)}"
        created = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            with saving("API 密钥", self.path), closing(self._connect()) as db, db:
                db.execute(
                    "INSERT INTO api_keys VALUES (?,?,?,?,?,NULL)", (key_id, name, role, _digest(token), created)
                )
        except sqlite3.IntegrityError as exc:
            raise UserError(f"已有名为“{name}”的密钥，请换一个名称，或先吊销旧密钥。") from exc
        return APIKey(key_id=key_id, name=name, role=role, created_at=created), token

    def verify(self, token: str) -> APIKey | None:
        """The key a bearer token belongs to, or None (unknown, malformed or revoked)."""
        parts = token.split("-", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            return None
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT key_id, name, role, secret_sha256, created_at, revoked_at FROM api_keys WHERE key_id = ?",
                (parts[1],),
            ).fetchone()
        if row is None or row[5] is not None or not hmac.compare_digest(row[3], _digest(token)):
            return None
        return APIKey(key_id=row[0], name=row[1], role=row[2], created_at=row[4])

    def all(self) -> list[APIKey]:
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT key_id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at, name"
            ).fetchall()
        return [APIKey(key_id=r[0], name=r[1], role=r[2], created_at=r[3], revoked_at=r[4]) for r in rows]

    def revoke(self, name: str) -> None:
        with saving("API 密钥", self.path), closing(self._connect()) as db, db:
            changed = db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (datetime.now(UTC).isoformat(timespec="seconds"), name),
            ).rowcount
        if not changed:
            raise UserError(f"没有名为“{name}”的有效密钥。")


def api_key_store(settings: Settings) -> APIKeyStore:
    return APIKeyStore(settings.data_dir / "apikeys.sqlite3")
