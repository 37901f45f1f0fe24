"""Per-document index state in SQLite: what is indexed (hash, schema, vector counts), the parsed record, BM25 tokens,
and the document's header and clause outline (what start-up reads)."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from assistant.catalog import header_of
from assistant.read_only import connect_read_only
from assistant.types import Document, DocumentHeader

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    schema INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    sentences INTEGER NOT NULL,
    record TEXT NOT NULL,
    tokens TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS headers (doc_id TEXT PRIMARY KEY, header TEXT NOT NULL);
"""


@dataclass(frozen=True)
class IndexedDocument:
    doc_id: str
    sha256: str
    schema: int
    chunks: int
    sentences: int


class IndexState:
    """One row per indexed document, written after its vectors landed in Chroma (so a row means complete)."""

    def __init__(self, path: Path, read_only: bool = False):
        """`read_only`: open without writing to the file or its folder (an index that cannot be updated)."""
        self.path = path
        self.read_only = read_only
        self._lock = threading.Lock()
        if read_only:
            self._db = connect_read_only(path)
            if not self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'documents'").fetchone():
                self._db.close()
                self._db = sqlite3.connect(":memory:", check_same_thread=False)  # nothing indexed
                self._db.executescript(_SCHEMA)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def states(self) -> dict[str, IndexedDocument]:
        with self._lock:
            rows = self._db.execute("SELECT doc_id, sha256, schema, chunks, sentences FROM documents").fetchall()
        return {row[0]: IndexedDocument(*row) for row in rows}

    def totals(self) -> tuple[int, int]:
        """Chunks and sentences the vector store should hold."""
        with self._lock:
            row = self._db.execute("SELECT coalesce(sum(chunks), 0), coalesce(sum(sentences), 0) FROM documents")
            chunks, sentences = row.fetchone()
        return int(chunks), int(sentences)

    def put(self, document: Document, schema: int, chunks: int, sentences: int, tokens: list[list[str]]) -> None:
        header = header_of(document).model_dump_json()
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    document.doc_id,
                    document.sha256,
                    schema,
                    chunks,
                    sentences,
                    document.model_dump_json(),
                    json.dumps(tokens, ensure_ascii=False),
                ),
            )
            self._db.execute("INSERT OR REPLACE INTO headers VALUES (?, ?)", (document.doc_id, header))

    def update_record(self, document: Document) -> None:
        """Metadata that does not change the vectors (e.g. in_force after a newer version arrives)."""
        header = header_of(document).model_dump_json()
        with self._lock, self._db:
            self._db.execute(
                "UPDATE documents SET record = ? WHERE doc_id = ?", (document.model_dump_json(), document.doc_id)
            )
            self._db.execute("INSERT OR REPLACE INTO headers VALUES (?, ?)", (document.doc_id, header))

    def delete(self, doc_id: str) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self._db.execute("DELETE FROM headers WHERE doc_id = ?", (doc_id,))

    def records(self, doc_ids: list[str] | None = None) -> list[Document]:
        """The parsed documents (all, or those in `doc_ids`); decoding them is the costly part of a read."""
        rows = self._rows("record", doc_ids)
        return [Document.model_validate_json(record) for _, record in sorted(rows)]

    def headers(self) -> list[DocumentHeader]:
        """Every document's header and clause outline, by doc_id.

        A state written before headers were stored gets them now from the records, once (kept in memory only
        when the state cannot be written).
        """
        with self._lock:
            stored = self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'headers'").fetchone() is not None
            query = (
                "SELECT d.doc_id, h.header FROM documents d LEFT JOIN headers h USING (doc_id) ORDER BY d.doc_id"
                if stored
                else "SELECT doc_id, NULL FROM documents ORDER BY doc_id"
            )
            rows = self._db.execute(query).fetchall()
        missing = [doc_id for doc_id, header in rows if header is None]
        made = {d.doc_id: header_of(d) for d in self.records(missing)} if missing else {}
        if made:
            self._store_headers(made)
        return [
            made[doc_id] if header is None else DocumentHeader.model_validate_json(header)
            for doc_id, header in rows
            if header is not None or doc_id in made
        ]

    def _store_headers(self, made: dict[str, DocumentHeader]) -> None:
        if self.read_only:
            log.info("index state has no document headers; made %d in memory (read-only)", len(made))
            return
        try:
            with self._lock, self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO headers VALUES (?, ?)",
                    [(doc_id, header.model_dump_json()) for doc_id, header in made.items()],
                )
        except sqlite3.Error as exc:  # e.g. locked by a long writer: the next open stores them
            log.warning("document headers not stored path=%s error=%s", self.path, exc)
            return
        log.info("index state migrated: headers stored for %d documents path=%s", len(made), self.path)

    def tokens(self, doc_ids: list[str] | None = None) -> dict[str, list[list[str]]]:
        """BM25 tokens per clause of each document (all documents, or those in `doc_ids`)."""
        return {doc_id: json.loads(tokens) for doc_id, tokens in self._rows("tokens", doc_ids)}

    def _rows(self, column: str, doc_ids: list[str] | None) -> list[tuple[str, str]]:
        """(doc_id, column) of all documents, or of those in `doc_ids`."""
        with self._lock:
            if doc_ids is None:
                return self._db.execute(f"SELECT doc_id, {column} FROM documents").fetchall()
            rows = []
            for start in range(0, len(doc_ids), 500):  # SQLite's limit on host parameters is 999
                part = doc_ids[start : start + 500]
                marks = ",".join("?" * len(part))
                query = f"SELECT doc_id, {column} FROM documents WHERE doc_id IN ({marks})"
                rows += self._db.execute(query, part).fetchall()
        return rows

    def data_version(self) -> int:
        """Changes whenever another connection commits to the database (SQLite's PRAGMA data_version)."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, values: dict[str, str]) -> None:
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))

    def close(self) -> None:
        with self._lock:
            self._db.close()
