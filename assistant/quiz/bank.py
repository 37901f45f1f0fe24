"""The question bank in SQLite (data_dir/quiz.sqlite3): items under review, quiz sessions and attempts."""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.errors import UserError
from assistant.quiz.types import Attempt, ItemStatus, QuizItem, QuizSession, Response, stem_key
from assistant.settings import Settings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'rejected')),
    type TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    clause TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    item_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS items_status ON items (status, created_at);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    session_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    trainee TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    total INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_session ON attempts (session_id, started_at);
CREATE TABLE IF NOT EXISTS responses (
    attempt_id TEXT NOT NULL REFERENCES attempts (id),
    item_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    response TEXT NOT NULL,
    correct INTEGER NOT NULL,
    hinted INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (attempt_id, item_id)
);
CREATE TABLE IF NOT EXISTS assignments (
    session_id TEXT NOT NULL REFERENCES sessions (id),
    learner TEXT NOT NULL,
    PRIMARY KEY (session_id, learner)
);
CREATE TABLE IF NOT EXISTS hints (
    attempt_id TEXT NOT NULL REFERENCES attempts (id),
    item_id TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    PRIMARY KEY (attempt_id, item_id)
);
"""
GRACE = timedelta(seconds=30)
"""Answers this long after the time limit still count: the last click may take a moment to arrive."""
MAX_NAME_CHARS = 40
ALL_LEARNERS = "*"
"""The assignment row that gives a session to every learner."""

log = logging.getLogger(__name__)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class QuizBank:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed on success, rolled back on error."""
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            db.execute("PRAGMA foreign_keys = ON")
            yield db

    # --- items -------------------------------------------------------------------

    def stem_keys(self) -> set[str]:
        """The normalised stem of every item in the bank: a new build never adds a question asked before."""
        with self._db() as db:
            rows = db.execute("SELECT item_json FROM items").fetchall()
        return {stem_key(QuizItem.model_validate_json(row[0])) for row in rows}

    def add(self, items: Iterable[QuizItem], author: str | None = None) -> list[QuizItem]:
        """Store new items as drafts; an item whose stem already stands in the bank (under any id) is left out.
        Returns those added."""
        added = []
        stamp = now_iso()
        seen = self.stem_keys()
        with self._db() as db:
            for item in items:
                key = stem_key(item)
                if key in seen:
                    continue
                seen.add(key)
                stored = item.model_copy(
                    update={
                        "status": "draft",
                        "created_at": stamp,
                        "author": author if author is not None else item.author,
                    }
                )
                cursor = db.execute(
                    "INSERT OR IGNORE INTO items VALUES (?,?,?,?,?,?,?,?,?)",
                    (*self._columns(stored), stamp, stored.model_dump_json()),
                )
                if cursor.rowcount:
                    added.append(stored)
        return added

    def upsert(self, items: Iterable[QuizItem]) -> tuple[int, int]:
        """Store items as they are (imports): (added, updated)."""
        added = updated = 0
        stamp = now_iso()
        with self._db() as db:
            for item in items:
                exists = db.execute("SELECT created_at FROM items WHERE id = ?", (item.id,)).fetchone()
                stored = item.model_copy(update={"created_at": item.created_at or (exists[0] if exists else stamp)})
                db.execute(
                    "INSERT OR REPLACE INTO items VALUES (?,?,?,?,?,?,?,?,?)",
                    (*self._columns(stored), stamp, stored.model_dump_json()),
                )
                updated += bool(exists)
                added += not exists
        return added, updated

    @staticmethod
    def _columns(item: QuizItem) -> tuple[str, ...]:
        return (item.id, item.status, item.type, item.doc_id, item.clause, item.author, item.created_at or now_iso())

    def items(self, status: ItemStatus | None = None, ids: list[str] | None = None) -> list[QuizItem]:
        """Items in the order they were added (or in the order of ids)."""
        with self._db() as db:
            if ids is not None:
                rows = {
                    r[0]: r[1]
                    for r in db.execute(
                        f"SELECT id, item_json FROM items WHERE id IN ({','.join('?' * len(ids))})", ids
                    ).fetchall()
                }
                return [QuizItem.model_validate_json(rows[i]) for i in ids if i in rows]
            if status is None:
                rows_list = db.execute("SELECT item_json FROM items ORDER BY created_at, rowid").fetchall()
            else:
                rows_list = db.execute(
                    "SELECT item_json FROM items WHERE status = ? ORDER BY created_at, rowid", (status,)
                ).fetchall()
        return [QuizItem.model_validate_json(r[0]) for r in rows_list]

    def get(self, item_id: str) -> QuizItem | None:
        found = self.items(ids=[item_id])
        return found[0] if found else None

    def counts(self) -> dict[str, int]:
        with self._db() as db:
            rows = db.execute("SELECT status, COUNT(*) FROM items GROUP BY status").fetchall()
        return {status: count for status, count in rows}

    def update(self, item: QuizItem) -> QuizItem:
        """Replace an item's content (a trainer's edit), keeping its identity and creation time."""
        existing = self.get(item.id)
        if existing is None:
            raise UserError("题库中没有这道题，可能已被删除，请刷新页面。")
        stored = item.model_copy(update={"created_at": existing.created_at})
        with self._db() as db:
            db.execute(
                "UPDATE items SET status = ?, type = ?, doc_id = ?, clause = ?, author = ?, updated_at = ?,"
                " item_json = ? WHERE id = ?",
                (
                    stored.status,
                    stored.type,
                    stored.doc_id,
                    stored.clause,
                    stored.author,
                    now_iso(),
                    stored.model_dump_json(),
                    stored.id,
                ),
            )
        return stored

    def set_status(self, ids: list[str], status: ItemStatus) -> int:
        changed = 0
        for item in self.items(ids=ids):
            if item.status != status:
                self.update(item.model_copy(update={"status": status}))
                changed += 1
        return changed

    # --- sessions ----------------------------------------------------------------

    def create_session(
        self,
        title: str,
        item_ids: list[str],
        time_limit_minutes: int | None = None,
        author: str = "",
        **options: Any,
    ) -> QuizSession:
        """A quiz session of approved items, in the given order; options are further QuizSession fields
        (mode, max_attempts, opens_at, closes_at, shuffle_options, scoring)."""
        title = " ".join(title.split())
        if not title:
            raise UserError("请填写测验名称。")
        if not item_ids:
            raise UserError("请至少选择一道已通过审核的题目。")
        items = {i.id: i for i in self.items(ids=item_ids)}
        unapproved = [i for i in item_ids if i not in items or items[i].status != "approved"]
        if unapproved:
            raise UserError(f"有 {len(unapproved)} 道题尚未通过审核，只能用已通过的题目组卷。")
        if time_limit_minutes is not None and not 1 <= time_limit_minutes <= 600:
            raise UserError("答题时限应在 1 到 600 分钟之间。")
        session = QuizSession(
            id=uuid.uuid4().hex[:10],
            title=title,
            item_ids=list(dict.fromkeys(item_ids)),
            time_limit_minutes=time_limit_minutes,
            author=author,
            created_at=now_iso(),
            **options,
        )
        with self._db() as db:
            db.execute(
                "INSERT INTO sessions VALUES (?,?,?)", (session.id, session.created_at, session.model_dump_json())
            )
        return session

    def sessions(self) -> list[QuizSession]:
        with self._db() as db:
            rows = db.execute("SELECT session_json FROM sessions ORDER BY created_at DESC, rowid DESC").fetchall()
        return [QuizSession.model_validate_json(r[0]) for r in rows]

    def session(self, session_id: str) -> QuizSession:
        with self._db() as db:
            row = db.execute("SELECT session_json FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise UserError("找不到这场测验，请向培训老师确认测验编号。")
        return QuizSession.model_validate_json(row[0])

    # --- assignments -------------------------------------------------------------

    def assign(self, session_id: str, learners: Iterable[str]) -> list[str]:
        """Give a session to these learner ids (ALL_LEARNERS for everyone), replacing earlier assignments."""
        self.session(session_id)
        chosen = list(dict.fromkeys(str(u).strip() for u in learners if str(u).strip()))
        if not chosen:
            raise UserError("请选择参加测验的学员，或选择“全部学员”。")
        if ALL_LEARNERS in chosen:
            chosen = [ALL_LEARNERS]
        with self._db() as db:
            db.execute("DELETE FROM assignments WHERE session_id = ?", (session_id,))
            db.executemany("INSERT INTO assignments VALUES (?,?)", [(session_id, u) for u in chosen])
        return chosen

    def assignees(self, session_id: str) -> list[str]:
        """The learner ids a session is assigned to ([ALL_LEARNERS] for everyone, [] for no one yet)."""
        with self._db() as db:
            rows = db.execute("SELECT learner FROM assignments WHERE session_id = ? ORDER BY rowid", (session_id,))
            return [r[0] for r in rows.fetchall()]

    def assigned_to(self, session_id: str, learner_id: str) -> bool:
        with self._db() as db:
            row = db.execute(
                "SELECT 1 FROM assignments WHERE session_id = ? AND learner IN (?, ?)",
                (session_id, learner_id, ALL_LEARNERS),
            ).fetchone()
        return row is not None

    @staticmethod
    def is_open(session: QuizSession, now: datetime | None = None) -> bool:
        """Within the session's opening window (no window means always open)."""
        moment = now or datetime.now(UTC)
        if session.opens_at and moment < datetime.fromisoformat(session.opens_at):
            return False
        return not (session.closes_at and moment > datetime.fromisoformat(session.closes_at))

    def sessions_for(self, learner_id: str, now: datetime | None = None, open_only: bool = True) -> list[QuizSession]:
        """The sessions assigned to this learner (by id or to all learners), by default only those open now."""
        with self._db() as db:
            rows = db.execute(
                "SELECT DISTINCT session_id FROM assignments WHERE learner IN (?, ?)", (learner_id, ALL_LEARNERS)
            ).fetchall()
        assigned = {r[0] for r in rows}
        return [s for s in self.sessions() if s.id in assigned and (not open_only or self.is_open(s, now))]

    def attempts_of(self, learner_id: str) -> list[Attempt]:
        """Every attempt by this learner, oldest first."""
        with self._db() as db:
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM attempts WHERE trainee = ? ORDER BY started_at, rowid", (learner_id,)
                ).fetchall()
            ]
        return [self.attempt(i) for i in ids]

    # --- attempts ----------------------------------------------------------------

    def start_attempt(self, session_id: str, trainee: str, now: datetime | None = None) -> Attempt:
        """A new attempt for a learner (the learner id the accounts give) the session is assigned to, within
        the session's opening window and attempt limit. Checked here, not only by the page that offers it."""
        name = " ".join(trainee.split())
        if not name:
            raise UserError("请输入姓名后再开始答题。")
        if len(name) > MAX_NAME_CHARS:
            raise UserError(f"姓名过长，请不超过 {MAX_NAME_CHARS} 个字。")
        session = self.session(session_id)
        if not self.assigned_to(session.id, name):
            log.warning("quiz attempt refused: session=%s not assigned to learner=%s", session.id, name)
            raise UserError("这场测验没有分配给您，请向培训老师确认。")
        moment = now or datetime.now(UTC)
        if session.opens_at and moment < datetime.fromisoformat(session.opens_at):
            raise UserError("这场测验尚未开放，请在开放时间后再来。")
        if session.closes_at and moment > datetime.fromisoformat(session.closes_at):
            raise UserError("这场测验已经关闭，不能再开始答题。")
        if session.max_attempts is not None:
            with self._db() as db:
                (used,) = db.execute(
                    "SELECT COUNT(*) FROM attempts WHERE session_id = ? AND trainee = ?", (session.id, name)
                ).fetchone()
            if used >= session.max_attempts:
                raise UserError(f"这场测验每人最多作答 {session.max_attempts} 次，您的次数已用完。")
        attempt = Attempt(
            id=uuid.uuid4().hex[:12],
            session_id=session.id,
            trainee=name,
            started_at=now_iso(),
            total=len(session.item_ids),
        )
        with self._db() as db:
            db.execute(
                "INSERT INTO attempts VALUES (?,?,?,?,?,?)",
                (attempt.id, attempt.session_id, attempt.trainee, attempt.started_at, None, attempt.total),
            )
        return attempt

    def attempt(self, attempt_id: str) -> Attempt:
        with self._db() as db:
            row = db.execute(
                "SELECT id, session_id, trainee, started_at, finished_at, total FROM attempts WHERE id = ?",
                (attempt_id,),
            ).fetchone()
            if row is None:
                raise UserError("找不到这次答题记录，请重新开始答题。")
            responses = db.execute(
                "SELECT item_id, position, response, correct, hinted, answered_at FROM responses"
                " WHERE attempt_id = ? ORDER BY position",
                (attempt_id,),
            ).fetchall()
            hints = db.execute("SELECT item_id FROM hints WHERE attempt_id = ? ORDER BY opened_at", (attempt_id,))
            hinted = [h[0] for h in hints.fetchall()]
        return Attempt(
            id=row[0],
            session_id=row[1],
            trainee=row[2],
            started_at=row[3],
            finished_at=row[4],
            total=row[5],
            hinted=hinted,
            responses=[
                Response(
                    item_id=r[0],
                    position=r[1],
                    response=json.loads(r[2]),
                    correct=bool(r[3]),
                    hinted=bool(r[4]),
                    answered_at=r[5],
                )
                for r in responses
            ],
        )

    def attempts(self, session_id: str) -> list[Attempt]:
        with self._db() as db:
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM attempts WHERE session_id = ? ORDER BY started_at, rowid", (session_id,)
                ).fetchall()
            ]
        return [self.attempt(i) for i in ids]

    def deadline(self, attempt: Attempt) -> datetime | None:
        limit = self.session(attempt.session_id).time_limit_minutes
        return datetime.fromisoformat(attempt.started_at) + timedelta(minutes=limit) if limit else None

    def own_attempt(self, attempt_id: str, learner: str) -> Attempt:
        """The attempt, if it is this learner's: every write to an attempt is checked here, not only by the page."""
        attempt = self.attempt(attempt_id)
        if attempt.trainee != " ".join(learner.split()):
            log.warning("quiz attempt refused: attempt=%s belongs to another learner", attempt_id)
            raise UserError("这次答题不属于当前账号，请重新开始答题。")
        return attempt

    def open_hint(self, attempt_id: str, item_id: str, *, learner: str) -> None:
        """Mark that the trainee looked at the source before answering this question (practice only)."""
        attempt = self.own_attempt(attempt_id, learner)
        if not self.session(attempt.session_id).hints_allowed:
            raise UserError("考试模式不提供提示。")
        if any(r.item_id == item_id for r in attempt.responses):
            return  # after answering, the hint is the explanation and does not count
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO hints VALUES (?,?,?)", (attempt_id, item_id, now_iso()))

    def answer(
        self, attempt_id: str, item_id: str, response: list[str], *, learner: str, now: datetime | None = None
    ) -> Response:
        """Grade and record one answer within the time limit: once in practice, changeable until 交卷 in an exam."""
        attempt = self.own_attempt(attempt_id, learner)
        if attempt.finished_at:
            raise UserError("本次答题已经交卷，不能再修改答案。")
        session = self.session(attempt.session_id)
        if item_id not in session.item_ids:
            raise UserError("这道题不属于本场测验。")
        if any(r.item_id == item_id for r in attempt.responses) and session.mode != "exam":
            raise UserError("这道题已经作答，不能重复作答。")  # practice shows the answer at once
        deadline = self.deadline(attempt)
        moment = now or datetime.now(UTC)
        if deadline is not None and moment > deadline + GRACE:
            raise UserError("已超过答题时限，本题不再计分，请交卷查看成绩。")
        item = self.get(item_id)
        if item is None:
            raise UserError("题库中找不到这道题，请联系培训老师。")
        result = Response(
            item_id=item_id,
            position=session.item_ids.index(item_id),
            response=[r.strip() for r in response if r.strip()],
            correct=item.is_correct(response),
            hinted=item_id in attempt.hinted,
            answered_at=moment.isoformat(timespec="seconds"),
        )
        try:
            with self._db() as db:
                if session.mode == "exam":  # an exam answer may change until 交卷
                    db.execute("DELETE FROM responses WHERE attempt_id = ? AND item_id = ?", (attempt_id, item_id))
                db.execute(
                    "INSERT INTO responses VALUES (?,?,?,?,?,?,?)",
                    (
                        attempt_id,
                        item_id,
                        result.position,
                        json.dumps(result.response, ensure_ascii=False),
                        int(result.correct),
                        int(result.hinted),
                        result.answered_at,
                    ),
                )
        except sqlite3.IntegrityError as exc:  # a double click raced the check above
            raise UserError("这道题已经作答，不能重复作答。") from exc
        return result

    def finish(self, attempt_id: str, *, learner: str, now: datetime | None = None) -> Attempt:
        """Hand in: unanswered questions count as wrong; finishing twice changes nothing."""
        attempt = self.own_attempt(attempt_id, learner)
        if attempt.finished_at is None:
            stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
            with self._db() as db:
                db.execute("UPDATE attempts SET finished_at = ? WHERE id = ?", (stamp, attempt_id))
        return self.attempt(attempt_id)


def quiz_bank(settings: Settings) -> QuizBank:
    return QuizBank(settings.data_dir / "quiz.sqlite3")
