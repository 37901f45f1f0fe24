"""Per-document index state in SQLite: what is indexed (hash, schema, vector counts), the parsed record, BM25 tokens."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from assistant.read_only import connect_read_only
from assistant.types import Document

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

    def update_record(self, document: Document) -> None:
        """Metadata that does not change the vectors (e.g. in_force after a newer version arrives)."""
        with self._lock, self._db:
            self._db.execute(
                "UPDATE documents SET record = ? WHERE doc_id = ?", (document.model_dump_json(), document.doc_id)
            )

    def delete(self, doc_id: str) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def records(self) -> list[Document]:
        with self._lock:
            rows = self._db.execute("SELECT record FROM documents ORDER BY doc_id").fetchall()
        return [Document.model_validate_json(row[0]) for row in rows]

    def tokens(self, doc_ids: list[str] | None = None) -> dict[str, list[list[str]]]:
        """BM25 tokens per clause of each document (all documents, or those in `doc_ids`)."""
        with self._lock:
            if doc_ids is None:
                rows = self._db.execute("SELECT doc_id, tokens FROM documents").fetchall()
            else:
                rows = []
                for start in range(0, len(doc_ids), 500):  # SQLite's limit on host parameters is 999
                    part = doc_ids[start : start + 500]
                    marks = ",".join("?" * len(part))
                    query = f"SELECT doc_id, tokens FROM documents WHERE doc_id IN ({marks})"
                    rows += self._db.execute(query, part).fetchall()
        return {doc_id: json.loads(tokens) for doc_id, tokens in rows}

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
