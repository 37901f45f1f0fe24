"""Saved conversations per user in SQLite: list, reopen, rename, delete and search one's own history."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.errors import UserError
from assistant.read_only import saving
from assistant.settings import Settings
from assistant.types import Answer

TITLE_CHARS = 40

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations (user_id, updated_at);
CREATE TABLE IF NOT EXISTS turns (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_conversation ON turns (conversation_id, seq);
"""


@dataclass(frozen=True)
class ConversationSummary:
    id: str
    title: str
    created_at: str
    updated_at: str
    turns: int


@dataclass(frozen=True)
class Turn:
    id: str  # also the answer's feedback id
    question: str
    answer: Answer


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_title(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS] + "…"


class ConversationStore:
    """Every read and write names the user; a user never reaches another user's conversation."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with saving("对话记录", self.path), closing(self._connect()) as db, db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def _owned(self, db: sqlite3.Connection, user_id: str, conversation_id: str) -> None:
        row = db.execute(
            "SELECT 1 FROM conversations WHERE id = ? AND user_id = ?", (conversation_id, user_id)
        ).fetchone()
        if row is None:
            raise UserError("找不到这段对话，可能已被删除。")

    def create(self, user_id: str, title: str) -> str:
        conversation_id = uuid.uuid4().hex
        now = _now()
        with saving("对话记录", self.path), closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO conversations (id, user_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (conversation_id, user_id, default_title(title) or "新对话", now, now),
            )
        return conversation_id

    def append(self, user_id: str, conversation_id: str, turn_id: str, question: str, answer: Answer) -> None:
        now = _now()
        with saving("对话记录", self.path), closing(self._connect()) as db, db:
            self._owned(db, user_id, conversation_id)
            (seq,) = db.execute(
                "SELECT COALESCE(MAX(seq), -1) + 1 FROM turns WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            db.execute(
                "INSERT INTO turns (id, conversation_id, seq, question, answer_json, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (turn_id, conversation_id, seq, question, answer.model_dump_json(), now),
            )
            db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))

    def turns(self, user_id: str, conversation_id: str) -> list[Turn]:
        with closing(self._connect()) as db:
            self._owned(db, user_id, conversation_id)
            rows = db.execute(
                "SELECT id, question, answer_json FROM turns WHERE conversation_id = ? ORDER BY seq", (conversation_id,)
            ).fetchall()
        return [Turn(r[0], r[1], Answer.model_validate_json(r[2])) for r in rows]

    def list(self, user_id: str, search: str = "", limit: int = 100) -> list[ConversationSummary]:
        """Newest first; `search` matches the title, the questions and the answers."""
        query = (
            "SELECT c.id, c.title, c.created_at, c.updated_at, "
            "(SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id) FROM conversations c WHERE c.user_id = ?"
        )
        args: list[object] = [user_id]
        needle = search.strip()
        if needle:
            like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query += (
                " AND (c.title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = c.id"
                " AND (t.question LIKE ? ESCAPE '\\' OR json_extract(t.answer_json, '$.answer') LIKE ? ESCAPE '\\')))"
            )
            args += [like, like, like]
        query += " ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?"
        args.append(limit)
        with closing(self._connect()) as db:
            rows = db.execute(query, args).fetchall()
        return [ConversationSummary(*r) for r in rows]

    def rename(self, user_id: str, conversation_id: str, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            raise UserError("对话名称不能为空。")
        with saving("对话记录", self.path), closing(self._connect()) as db, db:
            self._owned(db, user_id, conversation_id)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title[:100], conversation_id))

    def delete(self, user_id: str, conversation_id: str) -> None:
        with saving("对话记录", self.path), closing(self._connect()) as db, db:
            self._owned(db, user_id, conversation_id)
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))


def conversation_store(settings: Settings) -> ConversationStore:
    return ConversationStore(settings.data_dir / "conversations.sqlite3")
