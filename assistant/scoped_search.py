"""Exact dense search inside the few documents a question names.

A Chroma `where` filter lists every matching id from its metadata table first: at a library's scale that costs
ten times the search (0.4 s at 1,500 documents). A named document's vectors are instead fetched by id (the ids
follow from the catalog), kept for the next question about it, and scored exactly, which is also what HNSW only
approximates.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.store import VectorStore
from assistant.types import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Vectors:
    clause_keys: list[str]
    parts: list[str]
    matrix: np.ndarray  # rows normalised


def chunk_id_candidates(document: Document) -> list[str]:
    """Every id a chunk of this document can have: a clause splits between sentences, so never into more pieces."""
    return [f"{c.key}:{piece}" for c in document.clauses for piece in range(max(1, len(c.sentences)))]


def sentence_ids(document: Document) -> list[str]:
    return [f"{c.key}:s{s.index}" for c in document.clauses for s in c.sentences]


class ScopedVectors:
    """Per-document vectors of both collections, most recently used kept up to `capacity` vectors."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[tuple[Any, ...], _Vectors] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def best_per_clause(
        self,
        store: VectorStore,
        kind: str,
        documents: Sequence[Document],
        vector: np.ndarray,
        n: int,
        parts: Sequence[str] | None = None,
    ) -> list[tuple[str, float]] | None:
        """Like VectorStore.query: the best cosine per clause among the n nearest vectors, best first.

        None when a document's vectors are not all in the store (an update is under way): use the store's filter.
        """
        held: list[_Vectors] = []
        for document in documents:
            found = self._vectors(store, kind, document)
            if found is None:
                return None
            held.append(found)
        keys = [key for h in held for key in h.clause_keys]
        if not keys:
            return []
        matrix = held[0].matrix if len(held) == 1 else np.vstack([h.matrix for h in held])
        similarity = matrix @ (vector / max(float(np.linalg.norm(vector)), 1e-12))
        if parts is not None:
            wanted = set(parts)
            allowed = np.fromiter((p in wanted for h in held for p in h.parts), dtype=bool, count=len(keys))
            similarity = np.where(allowed, similarity, -np.inf)
        top = min(n, int(np.isfinite(similarity).sum()))
        if top == 0:
            return []
        nearest = np.argpartition(-similarity, top - 1)[:top]
        best: dict[str, float] = {}
        for row in nearest:
            key = keys[row]
            best[key] = max(best.get(key, -1.0), float(similarity[row]))
        return sorted(best.items(), key=lambda item: -item[1])

    def _vectors(self, store: VectorStore, kind: str, document: Document) -> _Vectors | None:
        cache_key = (id(store), store.generation, kind, document.doc_id, document.sha256)
        with self._lock:
            found = self._kept.get(cache_key)
            if found is not None:
                self._kept.move_to_end(cache_key)
                return found
        found = self._fetch(store, kind, document)
        if found is None:
            return None
        rows = len(found.clause_keys)
        with self._lock:
            if rows <= self.capacity and cache_key not in self._kept:
                self._kept[cache_key] = found
                self._size += rows
                while self._size > self.capacity:
                    _, dropped = self._kept.popitem(last=False)
                    self._size -= len(dropped.clause_keys)
        return found

    @staticmethod
    def _fetch(store: VectorStore, kind: str, document: Document) -> _Vectors | None:
        if kind == "chunks":
            collection, ids = store.chunks, chunk_id_candidates(document)
        else:
            collection, ids = store.sentences, sentence_ids(document)
        got = store.vectors_by_id(collection, ids)
        clause_parts = {c.key: c.part for c in document.clauses}
        keys = [found_id.rsplit(":", 1)[0] for found_id, _ in got]
        complete = set(keys) == set(clause_parts) if kind == "chunks" else len(got) == len(ids)
        if not complete or any(key not in clause_parts for key in keys):
            log.info("scoped search falls back to the store filter: %s of %s incomplete", kind, document.doc_id)
            return None
        matrix = np.asarray([vector for _, vector in got], dtype=np.float32).reshape(len(got), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return _Vectors(keys, [clause_parts[k] for k in keys], matrix / np.maximum(norms, 1e-12))
