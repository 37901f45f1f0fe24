"""Per-file parse results in SQLite, so a sync reads and parses only the files that changed.

A row is used when the file's (path, size, mtime_ns) and the parser's version (code, word lists, ingest limits)
match; a row that fails its checksum or does not decode is ignored and the file parsed again. Read errors are
kept too (a zip bomb stays refused without being opened again), except transient ones (permissions, time budget).
Cross-document steps (unique short titles, which version is in force) run after, on every document.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import astuple, dataclass
from pathlib import Path

from pydantic import ValidationError

from assistant.ingest.labels import relabel
from assistant.ingest.readers import ReadError
from assistant.settings import IngestSettings
from assistant.types import Document

log = logging.getLogger(__name__)

CACHE_FORMAT = 1  # bump when the row layout or what a record holds changes
_PACKAGE = Path(__file__).resolve().parent
# The code and data whose change changes a parse; hashed into the parser version, so no bump can be forgotten.
_PARSER_SOURCES = (
    *sorted(_PACKAGE.glob("*.py")),
    *sorted((_PACKAGE / "data").glob("*")),
    _PACKAGE.parent / "chinese.py",
    _PACKAGE.parent / "types.py",
)
_FLUSH_EVERY = 64  # rows per transaction: an interrupted first sync keeps most of what it parsed

_SCHEMA = """
CREATE TABLE IF NOT EXISTS parsed (
    path BLOB PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    parser TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    short_title TEXT NOT NULL,
    shown TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    record BLOB NOT NULL,
    record_check BLOB NOT NULL,
    row_check BLOB NOT NULL
) WITHOUT ROWID;
"""
_LIGHT = "size, mtime_ns, parser, doc_id, sha256, short_title, shown, reason, detail, record_check, row_check"


def parser_version(schema: int, limits: IngestSettings) -> str:
    """A digest of everything that decides a file's parse: the index schema, the parser's files, the limits."""
    digest = hashlib.sha256(f"cache-v{CACHE_FORMAT}\0schema-v{schema}\0{limits.model_dump_json()}\0".encode())
    for source in _PARSER_SOURCES:
        try:
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
        except OSError:
            digest.update(source.name.encode() + b"\0missing")
    return digest.hexdigest()


@dataclass(frozen=True)
class _Entry:
    size: int
    mtime_ns: int
    parser: str
    doc_id: str
    sha256: str
    short_title: str
    shown: str
    reason: str
    detail: str
    record_check: bytes
    row_check: bytes

    def checksum(self, key: bytes) -> bytes:
        fields = (self.size, self.mtime_ns, self.parser, self.doc_id, self.sha256, self.short_title, self.shown)
        digest = hashlib.sha256(key + b"\0" + "\0".join(map(str, fields)).encode("utf-8", "surrogatepass"))
        digest.update(f"\0{self.reason}\0{self.detail}\0".encode("utf-8", "surrogatepass") + self.record_check)
        return digest.digest()


class ParseCache:
    """One row per file; `parsed` counts the files actually read and parsed (cache misses)."""

    def __init__(self, path: Path, parser: str):
        self.path = path
        self.parser = parser
        self.parsed = 0
        self.reused = 0
        self._lock = threading.Lock()
        self._pending: list[tuple[object, ...]] = []
        self._seen: set[bytes] = set()
        self._db: sqlite3.Connection | None = self._open()

    def _open(self) -> sqlite3.Connection | None:
        """The database; a file that is not one is replaced (it is only a cache), an unwritable one disables it."""
        for attempt in range(2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(_SCHEMA)
                return db
            except sqlite3.DatabaseError as exc:
                log.warning("parse cache unusable path=%s error=%s", self.path, exc)
                if attempt or isinstance(exc, sqlite3.OperationalError):
                    break
                for leftover in self.path.parent.glob(self.path.name + "*"):
                    leftover.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("parse cache unusable path=%s error=%s", self.path, exc)
                break
        return None

    def load(
        self,
        path: Path,
        parse: Callable[[], Document],
        known: Mapping[str, Document] | None = None,
        refresh: bool = False,
    ) -> Document:
        """The file's document from the cache when its stamp and parser match, else `parse()` (and remember it).

        `known`: documents already in memory by id; one with the row's hash and path is reused instead of decoding
        the record. `refresh`: parse even when the row matches (a rebuild trusts nothing).
        """
        stat = path.stat()  # before reading: a file changed while it is read gets a new stamp, so it is read again
        key = os.fsencode(path)
        self._seen.add(key)
        entry = None if refresh else self._entry(key, stat.st_size, stat.st_mtime_ns)
        if entry is not None:
            if entry.reason:
                self.reused += 1
                raise ReadError(entry.reason, entry.detail)
            mine = (known or {}).get(entry.doc_id)
            if mine is not None and mine.sha256 == entry.sha256 and mine.path == entry.shown:
                self.reused += 1
                # Back to its own short title (a document's labels always match its short title); the
                # cross-document steps that follow decide again whether it needs its full title.
                return mine if mine.short_title == entry.short_title else relabel(mine, entry.short_title)
            document = self._record(key, entry)
            if document is not None:
                self.reused += 1
                return document
        self.parsed += 1
        try:
            document = parse()
        except ReadError as exc:
            if not exc.transient:
                self._remember(key, stat, None, exc)
            raise
        self._remember(key, stat, document, None)
        return document

    def _entry(self, key: bytes, size: int, mtime_ns: int) -> _Entry | None:
        if self._db is None:
            return None
        try:
            with self._lock:
                row = self._db.execute(f"SELECT {_LIGHT} FROM parsed WHERE path = ?", (key,)).fetchone()
        except sqlite3.DatabaseError as exc:
            log.warning("parse cache lookup failed path=%s error=%s", self.path, exc)
            return None
        if row is None:
            return None
        try:
            entry = _Entry(*row)
            valid = isinstance(entry.record_check, bytes) and entry.checksum(key) == entry.row_check
        except (TypeError, ValueError):
            valid = False
        if not valid:
            log.warning("parse cache row failed its checksum path=%r; parsing the file again", os.fsdecode(key))
            return None
        if (entry.size, entry.mtime_ns, entry.parser) != (size, mtime_ns, self.parser):
            return None
        return entry

    def _record(self, key: bytes, entry: _Entry) -> Document | None:
        try:
            with self._lock:
                row = (
                    self._db.execute("SELECT record FROM parsed WHERE path = ?", (key,)).fetchone()
                    if self._db
                    else None
                )
            blob = bytes(row[0]) if row else b""
            if hashlib.sha256(blob).digest() != entry.record_check:
                raise ValueError("record checksum mismatch")
            document = Document.model_validate_json(zlib.decompress(blob))
            if (document.doc_id, document.sha256, document.path) != (entry.doc_id, entry.sha256, entry.shown):
                raise ValueError("record does not match its row")
        except (sqlite3.DatabaseError, zlib.error, ValidationError, ValueError, TypeError) as exc:
            log.warning("parse cache record unusable path=%r error=%s; parsing the file again", os.fsdecode(key), exc)
            return None
        return document

    def _remember(self, key: bytes, stat: os.stat_result, document: Document | None, error: ReadError | None) -> None:
        blob = zlib.compress(document.model_dump_json().encode("utf-8"), 1) if document else b""
        entry = _Entry(
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            parser=self.parser,
            doc_id=document.doc_id if document else "",
            sha256=document.sha256 if document else "",
            short_title=document.short_title if document else "",
            shown=document.path if document else "",
            reason=error.reason if error else "",
            detail=error.detail if error else "",
            record_check=hashlib.sha256(blob).digest(),
            row_check=b"",
        )
        with self._lock:
            self._pending.append((key, *astuple(entry)[:-1], blob, entry.checksum(key)))
            full = len(self._pending) >= _FLUSH_EVERY
        if full:
            self.flush()

    def flush(self, prune: bool = False) -> None:
        """Write the rows parsed since the last flush; `prune` also drops rows of files that no longer exist."""
        with self._lock:
            rows, self._pending = self._pending, []
        if self._db is None:
            return
        columns = "path, size, mtime_ns, parser, doc_id, sha256, short_title, shown, reason, detail, record_check"
        try:
            with self._lock, self._db:
                self._db.executemany(
                    f"INSERT OR REPLACE INTO parsed ({columns}, record, row_check) VALUES ({','.join('?' * 13)})",
                    rows,
                )
                if prune:
                    stored = [bytes(r[0]) for r in self._db.execute("SELECT path FROM parsed")]
                    gone = [(k,) for k in stored if k not in self._seen and not os.path.exists(k)]
                    self._db.executemany("DELETE FROM parsed WHERE path = ?", gone)
        except sqlite3.DatabaseError as exc:  # a cache that cannot be written costs time, never correctness
            log.warning("parse cache not written path=%s rows=%d error=%s", self.path, len(rows), exc)
        if prune:
            self._seen = set()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
