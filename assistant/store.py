"""Chroma: embedded PersistentClient by default, HttpClient against a Chroma server when configured."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.settings import Settings
from assistant.types import Chunk, Clause, Document

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4  # bump when chunk metadata or parsing changes, so documents are re-indexed
_BATCH = 256


class StoreUnavailable(RuntimeError):
    """Chroma cannot be reached or opened."""


def open_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaConfig

    config = ChromaConfig(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma.host:
            client = chromadb.HttpClient(
                host=settings.chroma.host, port=settings.chroma.port, ssl=settings.chroma.ssl, settings=config
            )
            client.heartbeat()
            return client
        path = settings.index_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=config)
    except Exception as exc:  # chromadb raises many types for connection and storage failures
        where = f"{settings.chroma.host}:{settings.chroma.port}" if settings.chroma.host else "embedded"
        log.error("chroma unavailable at %s: %s", where, exc)
        raise StoreUnavailable(where) from exc


def collection_name(prefix: str, kind: str, model_id: str) -> str:
    """One collection per embedding model, so switching models never mixes vectors."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model_id).strip("-._")
    return f"{prefix}-{kind}-v{SCHEMA_VERSION}-{slug}"[:512]


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

    def __init__(self, client: Any, prefix: str, model_id: str):
        self.client = client
        # A wide HNSW search: sentence-level ranking needs near-exact neighbours, and the corpora are small.
        space = {"hnsw:space": "cosine", "hnsw:search_ef": 400, "hnsw:construction_ef": 400, "hnsw:M": 32}
        # embedding_function=None: we always pass vectors; Chroma's default would download a model.
        self.chunks = client.get_or_create_collection(
            collection_name(prefix, "chunks", model_id), embedding_function=None, metadata=space
        )
        self.sentences = client.get_or_create_collection(
            collection_name(prefix, "sentences", model_id), embedding_function=None, metadata=space
        )

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

    def delete_document(self, doc_id: str) -> None:
        self.chunks.delete(where={"doc_id": doc_id})
        self.sentences.delete(where={"doc_id": doc_id})

    def add_document(
        self,
        document: Document,
        chunks: list[tuple[Clause, Chunk]],
        chunk_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
    ) -> None:
        """Upsert with deterministic ids, so a repeated or interrupted run converges."""
        n_sentences = sum(len(c.sentences) for c in document.clauses)
        common = {
            "doc_id": document.doc_id,
            "sha256": document.sha256,
            "schema": SCHEMA_VERSION,
            "doc_chunks": len(chunks),
            "doc_sentences": n_sentences,
        }
        ids, metas, texts = [], [], []
        for clause, chunk in chunks:
            ids.append(chunk.id)
            texts.append(chunk.text)
            metas.append(
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
        for start in range(0, len(ids), _BATCH):
            end = start + _BATCH
            self.chunks.upsert(
                ids=ids[start:end],
                embeddings=chunk_vectors[start:end],
                documents=texts[start:end],
                metadatas=metas[start:end],
            )
        s_ids, s_metas, s_texts = [], [], []
        for clause in document.clauses:
            for sentence in clause.sentences:
                s_ids.append(f"{clause.key}:s{sentence.index}")
                s_texts.append(sentence.text)
                s_metas.append({**common, "clause_key": clause.key, "part": clause.part, "index": sentence.index})
        for start in range(0, len(s_ids), _BATCH):
            end = start + _BATCH
            self.sentences.upsert(
                ids=s_ids[start:end],
                embeddings=sentence_vectors[start:end],
                documents=s_texts[start:end],
                metadatas=s_metas[start:end],
            )

    def query(
        self, vector: np.ndarray, n: int, doc_ids: list[str] | None = None, parts: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """Best chunk cosine similarity per clause, best first."""
        return self._best_per_clause(self.chunks, vector, n, doc_ids, parts)

    def query_sentences(
        self, vector: np.ndarray, n: int, doc_ids: list[str] | None = None, parts: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """Best sentence cosine similarity per clause, best first."""
        return self._best_per_clause(self.sentences, vector, n, doc_ids, parts)

    @staticmethod
    def _best_per_clause(
        collection: Any, vector: np.ndarray, n: int, doc_ids: list[str] | None, parts: list[str] | None
    ) -> list[tuple[str, float]]:
        # No count() first: Chroma answers an oversized n_results with what it has, and every call is a round trip.
        if (doc_ids is not None and not doc_ids) or (parts is not None and not parts):
            return []
        conditions: list[dict[str, Any]] = []
        if doc_ids is not None:
            conditions.append({"doc_id": {"$in": doc_ids}})
        if parts is not None:
            conditions.append({"part": {"$in": parts}})
        where = conditions[0] if len(conditions) == 1 else ({"$and": conditions} if conditions else None)
        result = collection.query(
            query_embeddings=[vector], n_results=n, where=where, include=["metadatas", "distances"]
        )
        best: dict[str, float] = {}
        for meta, distance in zip(result["metadatas"][0], result["distances"][0]):
            key = str(meta["clause_key"])
            best[key] = max(best.get(key, -1.0), 1.0 - float(distance))
        return sorted(best.items(), key=lambda item: -item[1])

    def sentence_vectors(self, clause_keys: list[str]) -> dict[str, np.ndarray]:
        """Sentence embeddings of the given clauses, keyed by `clause_key:s<index>`."""
        if not clause_keys:
            return {}
        got = self.sentences.get(where={"clause_key": {"$in": clause_keys}}, include=["embeddings"])
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])}
