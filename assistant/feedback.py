"""Feedback on answers (👍/👎, reasons, free text), kept in SQLite so evaluators can turn it into test cases."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from assistant.read_only import saving
from assistant.redact import redact_data
from assistant.settings import Settings
from assistant.types import Answer

REASONS = ("不准确", "不完整", "引用错误", "其他")
Rating = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    reasons TEXT NOT NULL,
    comment TEXT NOT NULL,
    question TEXT NOT NULL,
    standalone_question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    mode TEXT NOT NULL,
    citations TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    settings_hash TEXT NOT NULL,
    settings_json TEXT NOT NULL
)
"""


class FeedbackRecord(BaseModel):
    answer_id: str
    created_at: str
    rating: Rating
    reasons: list[str] = Field(default_factory=list)
    comment: str = ""
    question: str
    standalone_question: str
    answer: str
    refused: bool
    mode: str
    citations: list[dict[str, object]]
    settings_hash: str


def settings_snapshot(settings: Settings) -> tuple[str, str]:
    """The settings that shape answers, without secrets, and their hash."""
    data = redact_data(
        settings.model_dump(mode="json", exclude={"llm": {"api_key"}, "embedding": {"api_key"}, "ui": True})
    )
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16], text


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with saving("反馈", self.path), closing(self._connect()) as db, db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(
        self,
        answer_id: str,
        answer: Answer,
        rating: Rating,
        settings: Settings,
        reasons: list[str] | None = None,
        comment: str = "",
    ) -> None:
        """Store (or replace) the feedback on one answer; a transaction, so never half-written."""
        unknown = set(reasons or []) - set(REASONS)
        if unknown:
            raise ValueError(f"unknown feedback reasons: {sorted(unknown)}")
        settings_hash, settings_json = settings_snapshot(settings)
        with saving("反馈", self.path), closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO feedback VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    answer_id,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    rating,
                    json.dumps(reasons or [], ensure_ascii=False),
                    comment.strip()[:2000],
                    answer.question,
                    answer.standalone_question,
                    answer.answer,
                    int(answer.refused),
                    answer.mode,
                    json.dumps([c.model_dump() for c in answer.citations], ensure_ascii=False),
                    answer.model_dump_json(),
                    settings_hash,
                    settings_json,
                ),
            )

    def all(self) -> list[FeedbackRecord]:
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT answer_id, created_at, rating, reasons, comment, question, standalone_question, answer,"
                " refused, mode, citations, settings_hash FROM feedback ORDER BY created_at, answer_id"
            ).fetchall()
        return [
            FeedbackRecord(
                answer_id=r[0],
                created_at=r[1],
                rating=r[2],
                reasons=json.loads(r[3]),
                comment=r[4],
                question=r[5],
                standalone_question=r[6],
                answer=r[7],
                refused=bool(r[8]),
                mode=r[9],
                citations=json.loads(r[10]),
                settings_hash=r[11],
            )
            for r in rows
        ]


def feedback_store(settings: Settings) -> FeedbackStore:
    return FeedbackStore(settings.data_dir / "feedback.sqlite3")
