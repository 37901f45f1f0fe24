"""A persistent passage-vector cache keyed by (embedding model, sha256 of the text): nothing is embedded twice."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from pathlib import Path

import numpy as np

from assistant.embeddings import Embedder
from assistant.read_only import connect_read_only

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    sha BLOB NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, sha)
) WITHOUT ROWID;
"""
_LOOKUP = 500  # SQLite's default limit on host parameters is 999


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def span_key(text: str, span: tuple[int, int]) -> bytes:
    """A span's pooled vector depends on the whole text it was read in."""
    return hashlib.sha256(f"span {span[0]}:{span[1]}\x1f{text}".encode()).digest()


class VectorCache:
    """float32 vectors in SQLite; survives rebuilds, so a rebuild or a re-added document embeds nothing."""

    def __init__(self, path: Path, read_only: bool = False):
        """`read_only`: open without writing to the file or its folder; a missing or empty cache finds nothing."""
        self.path = path
        self._lock = threading.Lock()
        if read_only:
            self._db = connect_read_only(path)
            if not self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'vectors'").fetchone():
                self._db.close()
                self._db = sqlite3.connect(":memory:", check_same_thread=False)
                self._db.executescript(_SCHEMA)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def get_many(self, model: str, keys: list[bytes], dim: int) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for start in range(0, len(unique), _LOOKUP):
                part = unique[start : start + _LOOKUP]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT sha, vector FROM vectors WHERE model = ? AND sha IN ({marks})", [model, *part]
                ).fetchall()
                for sha, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (dim,):
                        found[bytes(sha)] = vector
        return found

    def put_many(self, model: str, items: list[tuple[bytes, np.ndarray]]) -> None:
        rows = [(model, key, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for key, v in items]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors (model, sha, vector) VALUES (?, ?, ?)", rows)

    def count(self, model: str) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM vectors WHERE model = ?", [model]).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


class CachedEmbedder:
    """Wraps an embedder: passages are looked up in the cache first; only unseen texts reach the model.

    Queries are not cached (one per question, and the model is fast enough for one text).
    """

    def __init__(self, inner: Embedder, cache: VectorCache, batch_texts: int = 256):
        self.inner = inner
        self.cache = cache
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.batch_texts = batch_texts
        self.embedded = 0  # texts sent to the model since this wrapper was made
        self.reused = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        keys = [text_key(t) for t in texts]
        known = self.cache.get_many(self.model_id, keys, self.dim)
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts):
            if key not in known:
                missing.setdefault(key, text)
        if missing:
            # Commit after every batch, so an interrupted build keeps what it paid for.
            items = list(missing.items())
            for start in range(0, len(items), self.batch_texts):
                part = items[start : start + self.batch_texts]
                vectors = self.inner.embed_passages([text for _, text in part])
                pairs = [(key, vectors[i]) for i, (key, _) in enumerate(part)]
                self.cache.put_many(self.model_id, pairs)
                known.update(pairs)
                self.embedded += len(part)
        self.reused += len(texts) - len(missing)
        for i, key in enumerate(keys):
            out[i] = known[key]
        return out

    def embed_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Texts' vectors and their spans' pooled vectors; a text is run again only if any of them is missing."""
        inner = getattr(self.inner, "embed_passages_with_spans", None)
        if inner is None:
            raise TypeError(f"{self.model_id} cannot pool spans")
        keys = [[text_key(t)] + [span_key(t, span) for span in s] for t, s in zip(texts, spans)]
        known = self.cache.get_many(self.model_id, [k for group in keys for k in group], self.dim)
        missing = [i for i, group in enumerate(keys) if any(k not in known for k in group)]
        for start in range(0, len(missing), self.batch_texts):
            part = missing[start : start + self.batch_texts]
            vectors, pooled = inner([texts[i] for i in part], [spans[i] for i in part])
            pairs: list[tuple[bytes, np.ndarray]] = []
            for row, i in enumerate(part):
                pairs.append((keys[i][0], vectors[row]))
                pairs.extend(zip(keys[i][1:], pooled[row]))
            self.cache.put_many(self.model_id, pairs)
            known.update(pairs)
            self.embedded += len(part)
        self.reused += len(texts) - len(missing)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        span_vectors = []
        for i, group in enumerate(keys):
            out[i] = known[group[0]]
            span_vectors.append(
                np.vstack([known[k] for k in group[1:]]) if len(group) > 1 else np.zeros((0, self.dim), np.float32)
            )
        return out, span_vectors

    @property
    def pools_spans(self) -> bool:
        return hasattr(self.inner, "embed_passages_with_spans")

    def seed(self, pairs: list[tuple[str, np.ndarray]]) -> None:
        """Vectors computed elsewhere by the same model (e.g. read back from the vector store)."""
        items = [(text_key(text), vector) for text, vector in pairs if vector.shape == (self.dim,)]
        if items:
            self.cache.put_many(self.model_id, items)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def embed_queries(self, texts: list[str]) -> list[np.ndarray]:
        from assistant.embeddings import embed_queries

        return embed_queries(self.inner, texts)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)
