"""Chroma: embedded PersistentClient by default, HttpClient against a Chroma server when configured."""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from assistant.errors import UserError
from assistant.settings import Settings
from assistant.types import Chunk, Clause, Document

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4  # bump when chunk metadata or parsing changes, so documents are re-indexed
_BATCH = 256
_READ_BATCH = 4096  # ids per get: well under SQLite's variable limit
SKIP_WIDENING = 2  # results fetched per wanted result when a few documents are left out after the search
T = TypeVar("T")


_RETRY_DELAYS = (0.5, 1.0, 2.0)  # a restarting Chroma server is back within seconds
_MAX_REOPENS = 8  # rebuilds followed during one call


class StoreUnavailable(RuntimeError):
    """Chroma cannot be reached or opened."""


class StoreOutage(UserError):
    """The Chroma server stopped answering in the middle of the work."""


class StoreDamaged(UserError):
    """The embedded store's files are corrupt."""


class IndexChanging(UserError):
    """Search results kept pointing at records another process was deleting."""


class _RecordsVanished(Exception):
    """A query found ids whose records were deleted while it ran: a rebuild swapped collections, or a delete."""


DAMAGED_MESSAGE = "本地索引文件已损坏，请运行 policy-assistant index --rebuild 重建索引（损坏的文件会移到一旁保留）。"


def local_store_damaged(path: Path) -> bool:
    """SQLite's own check of the embedded Chroma database (header, pages, indexes)."""
    database = path / "chroma.sqlite3"
    if not database.exists():
        return False
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
            rows = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        log.error("chroma database unreadable path=%s error=%s", database, exc)
        return True
    ok = rows == [("ok",)]
    if not ok:
        log.error("chroma database damaged path=%s check=%s", database, rows[:5])
    return ok is False


def _is_connection_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        name = type(seen).__name__
        if isinstance(seen, ConnectionError) or name in ("ConnectError", "ConnectTimeout", "RemoteProtocolError"):
            return True
        if "Could not connect" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def open_client(settings: Settings, local_path: Path | None = None) -> Any:
    """The Chroma client; `local_path` replaces the embedded store's folder (a read-only index's copy)."""
    import chromadb
    from chromadb.config import Settings as ChromaConfig

    config = ChromaConfig(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma.host:
            for attempt, delay in enumerate((*_RETRY_DELAYS, None)):
                try:
                    client = chromadb.HttpClient(
                        host=settings.chroma.host, port=settings.chroma.port, ssl=settings.chroma.ssl, settings=config
                    )
                    client.heartbeat()
                    return client
                except Exception as exc:
                    if delay is None or not _is_connection_error(exc):
                        raise
                    log.info("chroma not answering (attempt %d), retrying in %.1f s", attempt + 1, delay)
                    time.sleep(delay)
        path = local_path or settings.index_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=config)
    except Exception as exc:  # chromadb raises many types for connection and storage failures
        where = f"{settings.chroma.host}:{settings.chroma.port}" if settings.chroma.host else "embedded"
        log.error("chroma unavailable at %s: %s", where, exc)
        raise StoreUnavailable(where) from exc


def collection_name(prefix: str, kind: str, model_id: str, generation: int = 0) -> str:
    """One collection per embedding model, so switching models never mixes vectors; a rebuild is a new generation."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model_id).strip("-._")
    suffix = f"-g{generation}" if generation else ""
    return f"{prefix}-{kind}-v{SCHEMA_VERSION}-{slug}"[: 512 - len(suffix)] + suffix


def _is_missing_collection(exc: Exception) -> bool:
    # chromadb raises NotFoundError (embedded) or a generic error naming the collection (server).
    return type(exc).__name__ == "NotFoundError" or "does not exist" in str(exc)


@dataclass(frozen=True)
class DocState:
    sha256: str
    schema: int
    chunks: int
    expected_chunks: int
    sentences: int
    expected_sentences: int

    @property
    def complete(self) -> bool:
        return self.chunks == self.expected_chunks and self.sentences == self.expected_sentences


class VectorStore:
    """Clause chunks and clause sentences, each in its own collection."""

    def __init__(
        self,
        client: Any,
        prefix: str,
        model_id: str,
        generation: int = 0,
        on_missing: Callable[[], bool] | None = None,
        where: str | None = None,
        local_path: Path | None = None,
        hnsw: dict[str, str | int] | None = None,
    ):
        self.client = client
        self.hnsw = hnsw or {"hnsw:space": "cosine"}
        self.local_path = local_path  # the embedded store's folder, checked when Chroma fails oddly
        self.where = where  # host:port of a Chroma server, for the outage message
        self.prefix, self.model_id = prefix, model_id
        # Called when a collection vanished (another process swapped in a rebuild); True if it reopened.
        self.on_missing = on_missing
        self.open(generation)

    def open(self, generation: int) -> None:
        self.generation = generation
        # HNSW settings apply when a collection is created (settings.chroma: a wide search, a cheap build).
        space = self.hnsw
        # embedding_function=None: we always pass vectors; Chroma's default would download a model.
        self.chunks = self.client.get_or_create_collection(
            collection_name(self.prefix, "chunks", self.model_id, generation), embedding_function=None, metadata=space
        )
        self.sentences = self.client.get_or_create_collection(
            collection_name(self.prefix, "sentences", self.model_id, generation),
            embedding_function=None,
            metadata=space,
        )

    def warm(self, dim: int) -> None:
        """Load the collections' vector indexes now: the first query, get or count pays for it otherwise (about a
        second on a large library). The load runs without holding the GIL, so a thread can do it during start-up."""
        probe = [1.0 / dim**0.5] * dim
        for collection in (self.chunks, self.sentences):
            collection.query(query_embeddings=[probe], n_results=1, include=["distances"])

    def drop(self) -> None:
        for collection in (self.chunks, self.sentences):
            try:
                self.client.delete_collection(collection.name)
            except Exception as exc:  # already gone is what we want
                if not _is_missing_collection(exc):
                    raise

    def _retrying(self, call: Callable[[], T]) -> T:
        """Follow a swapped-in rebuild; wait briefly for a restarting server, then say which server is down."""
        delays = iter((*_RETRY_DELAYS, None))
        reopened = 0
        while True:
            try:
                return call()
            except Exception as exc:
                chroma_error = type(exc).__module__.startswith("chromadb")
                vanished = isinstance(exc, _RecordsVanished)
                # A swapped-out collection shows as NotFoundError here, as InternalError "Missing metadata
                # segment" in a process that had it open, or as results without records; the generation file
                # tells which. Several rebuilds can land during one search: follow each.
                maybe_swapped = chroma_error or vanished or _is_missing_collection(exc)
                if maybe_swapped and self.on_missing is not None and reopened < _MAX_REOPENS and self.on_missing():
                    reopened += 1
                    log.info("index generation changed; reopened collections generation=%d", self.generation)
                    continue
                if vanished:
                    delay = next(delays)
                    if delay is None:
                        log.error("query results kept naming deleted records: %s", exc)
                        raise IndexChanging("索引正在更新，请稍后重试。") from exc
                    log.info("query results named deleted records (%s); retrying in %.1f s", exc, delay)
                    time.sleep(delay)
                    continue
                if self.local_path is not None and chroma_error and local_store_damaged(self.local_path):
                    raise StoreDamaged(DAMAGED_MESSAGE) from exc
                if self.where is None or not _is_connection_error(exc):
                    raise
                delay = next(delays)
                if delay is None:
                    log.error("chroma server %s unreachable: %s", self.where, exc)
                    raise StoreOutage(
                        f"向量数据库服务 {self.where} 无法连接，请确认 Chroma 服务已启动后重试。"
                    ) from exc
                log.warning("chroma server %s not answering, retrying in %.1f s", self.where, delay)
                time.sleep(delay)

    def counts(self) -> tuple[int, int]:
        """Chunks and sentences stored."""
        return self._retrying(lambda: (int(self.chunks.count()), int(self.sentences.count())))

    def doc_states(self) -> dict[str, DocState]:
        states: dict[str, DocState] = {}
        counts: dict[str, list[int]] = {}
        for collection, slot in ((self.chunks, 0), (self.sentences, 1)):
            got = collection.get(include=["metadatas"])
            for meta in got["metadatas"] or []:
                doc_id = str(meta["doc_id"])
                counts.setdefault(doc_id, [0, 0])[slot] += 1
                if slot == 0 and doc_id not in states:
                    states[doc_id] = DocState(
                        sha256=str(meta.get("sha256", "")),
                        schema=int(meta.get("schema", 0)),
                        chunks=0,
                        expected_chunks=int(meta.get("doc_chunks", -1)),
                        sentences=0,
                        expected_sentences=int(meta.get("doc_sentences", -1)),
                    )
        result = {}
        for doc_id, (n_chunks, n_sentences) in counts.items():
            base = states.get(doc_id) or DocState("", 0, 0, -1, 0, -1)
            result[doc_id] = DocState(
                base.sha256, base.schema, n_chunks, base.expected_chunks, n_sentences, base.expected_sentences
            )
        return result

    def replace_document(
        self,
        document: Document,
        chunks: list[tuple[Clause, Chunk]],
        chunk_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
    ) -> None:
        """The new version in place of the old: upsert first, then remove ids the new version no longer has."""
        self._retrying(lambda: self._replace(document, chunks, chunk_vectors, sentence_vectors))

    def _replace(
        self,
        document: Document,
        chunks: list[tuple[Clause, Chunk]],
        chunk_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
    ) -> None:
        # Only what changed is written: re-upserting an unchanged vector costs an HNSW graph repair (~15 ms each
        # with our M and ef), while a metadata-only update leaves the graph alone.
        chunk_items, sentence_items = _items(document, chunks)
        for collection, (ids, texts, metas), vectors in (
            (self.chunks, chunk_items, chunk_vectors),
            (self.sentences, sentence_items, sentence_vectors),
        ):
            stored = collection.get(where={"doc_id": document.doc_id}, include=["documents", "metadatas", "embeddings"])
            stored_vectors = stored["embeddings"] if stored["embeddings"] is not None else []
            old = {
                i: (text, meta, np.asarray(vector, dtype=np.float32))
                for i, text, meta, vector in zip(
                    stored["ids"], stored["documents"] or [], stored["metadatas"] or [], stored_vectors
                )
            }
            # A vector can change while its text does not: a pooled sentence whose article changed elsewhere,
            # or sentence vectors made another way.
            same = [
                i in old and old[i][0] == texts[n] and np.allclose(old[i][2], vectors[n], atol=1e-6)
                for n, i in enumerate(ids)
            ]
            new = [n for n, i in enumerate(ids) if not same[n]]
            relabelled = [n for n, i in enumerate(ids) if same[n] and old[i][1] != metas[n]]
            for start in range(0, len(new), _BATCH):
                part = new[start : start + _BATCH]
                collection.upsert(
                    ids=[ids[n] for n in part],
                    embeddings=vectors[part],
                    documents=[texts[n] for n in part],
                    metadatas=[metas[n] for n in part],
                )
            for start in range(0, len(relabelled), _BATCH):
                part = relabelled[start : start + _BATCH]
                collection.update(ids=[ids[n] for n in part], metadatas=[metas[n] for n in part])
            stale = sorted(set(old) - set(ids))
            for start in range(0, len(stale), _BATCH):
                collection.delete(ids=stale[start : start + _BATCH])

    def stored_vectors(self, doc_ids: list[str], sentences: bool = True) -> list[tuple[str, np.ndarray]]:
        """(text, vector) of what is stored for these documents, to seed a vector cache from an older index.

        Pooled sentence vectors depend on their clause, not only on their text: leave them out (sentences=False).
        """
        out: list[tuple[str, np.ndarray]] = []
        for collection in (self.chunks, self.sentences) if sentences else (self.chunks,):
            got = collection.get(where={"doc_id": {"$in": doc_ids}}, include=["documents", "embeddings"])
            for text, vector in zip(got["documents"] or [], got["embeddings"] if got["embeddings"] is not None else []):
                out.append((str(text), np.asarray(vector, dtype=np.float32)))
        return out

    def vectors_by_id(self, collection: Any, ids: list[str]) -> list[tuple[str, np.ndarray]]:
        """(id, vector) of those of `ids` the collection holds; ids it lacks are left out."""

        def fetch() -> list[tuple[str, np.ndarray]]:
            out: list[tuple[str, np.ndarray]] = []
            for start in range(0, len(ids), _READ_BATCH):
                got = collection.get(ids=ids[start : start + _READ_BATCH], include=["embeddings"])
                vectors = got["embeddings"] if got["embeddings"] is not None else []
                out.extend((str(i), np.asarray(v, dtype=np.float32)) for i, v in zip(got["ids"], vectors))
            return out

        return self._retrying(fetch)

    def delete_document(self, doc_id: str) -> None:
        def delete() -> None:
            self.chunks.delete(where={"doc_id": doc_id})
            self.sentences.delete(where={"doc_id": doc_id})

        self._retrying(delete)

    def query(
        self,
        vector: np.ndarray,
        n: int,
        doc_ids: list[str] | None = None,
        parts: list[str] | None = None,
        skip: frozenset[str] = frozenset(),
    ) -> list[tuple[str, float]]:
        """Best chunk cosine similarity per clause, best first; `skip`: documents left out (superseded ones)."""
        return self._retrying(lambda: self._best_per_clause(self.chunks, vector, n, doc_ids, parts, skip))

    def query_sentences(
        self,
        vector: np.ndarray,
        n: int,
        doc_ids: list[str] | None = None,
        parts: list[str] | None = None,
        skip: frozenset[str] = frozenset(),
    ) -> list[tuple[str, float]]:
        """Best sentence cosine similarity per clause, best first."""
        return self._retrying(lambda: self._best_per_clause(self.sentences, vector, n, doc_ids, parts, skip))

    @staticmethod
    def _best_per_clause(
        collection: Any,
        vector: np.ndarray,
        n: int,
        doc_ids: list[str] | None,
        parts: list[str] | None,
        skip: frozenset[str] = frozenset(),
    ) -> list[tuple[str, float]]:
        # No count() first: Chroma answers an oversized n_results with what it has, and every call is a round trip.
        if (doc_ids is not None and not doc_ids) or (parts is not None and not parts):
            return []
        include = ["metadatas", "distances"]
        if skip and doc_ids is None and parts is None:
            # A Chroma filter costs ~10x the search itself (it lists every matching id first). Leaving out a few
            # documents is cheaper after a wider search; it is the same top n whenever that search holds n others.
            wide = collection.query(query_embeddings=[vector], n_results=SKIP_WIDENING * n, include=include)
            found = [(meta, distance) for meta, distance in _present(wide) if str(meta["doc_id"]) not in skip]
            if len(found) >= n or len(wide["ids"][0]) < SKIP_WIDENING * n:
                return _grouped(found[:n])
            doc_ids = None
        conditions: list[dict[str, Any]] = []
        if doc_ids is not None:
            conditions.append({"doc_id": {"$in": doc_ids}})
        if parts is not None:
            conditions.append({"part": {"$in": parts}})
        if skip and doc_ids is None:
            conditions.append({"doc_id": {"$nin": sorted(skip)}})
        where = conditions[0] if len(conditions) == 1 else ({"$and": conditions} if conditions else None)
        result = collection.query(query_embeddings=[vector], n_results=n, where=where, include=include)
        return _grouped(_present(result))

    def sentence_vectors(self, clause_keys: list[str]) -> dict[str, np.ndarray]:
        """Sentence embeddings of the given clauses, keyed by `clause_key:s<index>`."""
        if not clause_keys:
            return {}
        got = self._retrying(
            lambda: self.sentences.get(where={"clause_key": {"$in": clause_keys}}, include=["embeddings"])
        )
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])}


def _present(result: Any) -> list[tuple[dict[str, Any], float]]:
    """(metadata, distance) of a one-vector query; raises if a found id has lost its record meanwhile."""
    found = list(zip(result["metadatas"][0], result["distances"][0]))
    missing = [i for i, (meta, _) in zip(result["ids"][0], found) if meta is None]
    if missing:
        raise _RecordsVanished(f"{len(missing)} of {len(found)} ids without records, e.g. {missing[0]}")
    return found


def _grouped(found: list[tuple[Any, float]]) -> list[tuple[str, float]]:
    """(metadata, distance) results as the best cosine similarity per clause, best first."""
    best: dict[str, float] = {}
    for meta, distance in found:
        key = str(meta["clause_key"])
        best[key] = max(best.get(key, -1.0), 1.0 - float(distance))
    return sorted(best.items(), key=lambda item: -item[1])


_Items = tuple[list[str], list[str], list[dict[str, Any]]]


def _items(document: Document, chunks: list[tuple[Clause, Chunk]]) -> tuple[_Items, _Items]:
    """Ids, texts and metadata of a document's chunks and of its sentences, as stored."""
    n_sentences = sum(len(c.sentences) for c in document.clauses)
    common = {
        "doc_id": document.doc_id,
        "sha256": document.sha256,
        "schema": SCHEMA_VERSION,
        "doc_chunks": len(chunks),
        "doc_sentences": n_sentences,
    }
    chunk_items: _Items = ([], [], [])
    for clause, chunk in chunks:
        chunk_items[0].append(chunk.id)
        chunk_items[1].append(chunk.text)
        chunk_items[2].append(
            {
                **common,
                "clause_key": clause.key,
                "clause": clause.clause,
                "part": clause.part,
                "label": clause.label,
                "doc_title": clause.doc_title,
                "order": clause.order,
                "piece": chunk.piece,
            }
        )
    sentence_items: _Items = ([], [], [])
    for clause in document.clauses:
        for sentence in clause.sentences:
            sentence_items[0].append(f"{clause.key}:s{sentence.index}")
            sentence_items[1].append(sentence.text)
            sentence_items[2].append({**common, "clause_key": clause.key, "part": clause.part, "index": sentence.index})
    return chunk_items, sentence_items
