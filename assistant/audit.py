"""Audit log of administrative actions (uploads, deletions, reindexing, approvals, account changes) in SQLite."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.read_only import saving
from assistant.settings import Settings

log = logging.getLogger("assistant.audit")

# Action id → how the 管理 page names it.
ACTIONS = {
    "upload": "上传文档",
    "delete_document": "删除文档",
    "reindex": "重新索引",
    "approve": "审核通过",
    "reject": "审核退回",
    "account_add": "新建账号",
    "account_roles": "修改角色",
    "account_password": "重设密码",
    "password_change": "修改本人密码",
    "account_lock": "账号锁定",
    "account_unlock": "解除锁定",
    "account_disable": "停用账号",
    "account_enable": "启用账号",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    target: str
    detail: str

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)


class AuditLog:
    """Append-only: rows are written once and never updated or deleted by the application."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with saving("操作记录", self.path), closing(self._connect()) as db, db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, actor: str, action: str, target: str = "", detail: str = "") -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        at = datetime.now(UTC).isoformat(timespec="seconds")
        with saving("操作记录", self.path), closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                (at, actor, action, target, detail),
            )
        log.info("audit actor=%s action=%s target=%s", actor, action, target)

    def entries(self, limit: int = 200, actor: str | None = None, action: str | None = None) -> list[AuditEntry]:
        """Newest first."""
        query = "SELECT at, actor, action, target, detail FROM audit"
        where, args = [], []
        if actor:
            where.append("actor = ?")
            args.append(actor)
        if action:
            where.append("action = ?")
            args.append(action)
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " ORDER BY id DESC LIMIT ?"
        with closing(self._connect()) as db:
            rows = db.execute(query, (*args, limit)).fetchall()
        return [AuditEntry(*row) for row in rows]


def audit_log(settings: Settings) -> AuditLog:
    return AuditLog(settings.data_dir / "audit.sqlite3")
