"""A document's vectors: one per chunk and one per sentence, from the cache where it can.

A sentence of a short chunk takes its vector from the token states of the chunk's forward pass (late
chunking): it costs nothing to embed. Only chunks within the limits pool: an article's few sentences share
one rule, while pooling a directive's list of measures, or a long chunk, blurs each sentence into the others.
Other sentences, and one no chunk holds whole, are embedded on their own.
A sentence that is its chunk's whole text takes the chunk's vector.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from assistant.chunking import sentence_places
from assistant.settings import PoolLimits
from assistant.types import Chunk, Clause
from assistant.vector_cache import CachedEmbedder

Progress = Callable[[int, int], None]


class TokenCounter(Protocol):
    def count_tokens(self, text: str) -> int: ...


def document_vectors(
    clauses: list[tuple[Clause, list[Chunk]]],
    passages: CachedEmbedder,
    pool_limits: PoolLimits | None,
    progress: Progress,
) -> tuple[np.ndarray, np.ndarray]:
    """(chunk vectors, sentence vectors), rows in document order; pool_limits None: no pooling."""
    chunks = [chunk for _, pieces in clauses for chunk in pieces]
    sentences = [s for clause, _ in clauses for s in clause.sentences]
    if pool_limits and passages.pools_spans:
        return _pooled(clauses, chunks, passages, pool_limits, progress)
    texts = [c.text for c in chunks] + [s.text for s in sentences]
    matrix = _in_batches(texts, passages, lambda done: progress(done, len(texts)))
    progress(len(texts), len(texts))
    return matrix[: len(chunks)], matrix[len(chunks) :]


def _pooled(
    clauses: list[tuple[Clause, list[Chunk]]],
    chunks: list[Chunk],
    passages: CachedEmbedder,
    pool_limits: PoolLimits,
    progress: Progress,
) -> tuple[np.ndarray, np.ndarray]:
    spans: list[list[tuple[int, int]]] = [[] for _ in chunks]
    # Each sentence: ("chunk", chunk row) | ("span", chunk row, span number) | ("own", row among loose sentences)
    sources: list[tuple[str, int, int]] = []
    loose: list[str] = []
    first_chunk = 0
    for clause, pieces in clauses:
        for sentence, (how, place) in zip(clause.sentences, sentence_sources(clause, pieces, pool_limits, passages)):
            if how == "own" or place is None:
                sources.append(("own", len(loose), 0))
                loose.append(sentence.text)
            elif how == "chunk":
                sources.append(("chunk", first_chunk + place[0], 0))
            else:
                row = first_chunk + place[0]
                sources.append(("span", row, len(spans[row])))
                spans[row].append((place[1], place[2]))
        first_chunk += len(pieces)
    dim, total = passages.dim, len(chunks) + len(loose)
    chunk_vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    span_vectors: list[np.ndarray] = [np.zeros((0, dim), np.float32)] * len(chunks)
    batch = passages.batch_texts
    for start in range(0, len(chunks), batch):
        progress(start, total)
        vectors, pooled = passages.embed_with_spans(
            [c.text for c in chunks[start : start + batch]], spans[start : start + batch]
        )
        chunk_vectors[start : start + len(vectors)] = vectors
        span_vectors[start : start + len(pooled)] = pooled
    own = _in_batches(loose, passages, lambda done: progress(len(chunks) + done, total))
    sentence_vectors = np.zeros((len(sources), dim), dtype=np.float32)
    for i, (kind, row, number) in enumerate(sources):
        if kind == "chunk":
            sentence_vectors[i] = chunk_vectors[row]
        elif kind == "span":
            sentence_vectors[i] = span_vectors[row][number]
        else:
            sentence_vectors[i] = own[row]
    progress(total, total)
    return chunk_vectors, sentence_vectors


def sentence_sources(
    clause: Clause, pieces: list[Chunk], limits: PoolLimits | None, counter: TokenCounter
) -> list[tuple[str, tuple[int, int, int] | None]]:
    """How each sentence of the clause gets its vector, and where it stands in the clause's chunks:
    "chunk" (it is the chunk's whole text), "span" (pooled from the chunk), or "own" (embedded alone)."""
    places = sentence_places(clause, pieces)
    held = [sum(1 for p in places if p is not None and p[0] == number) for number in range(len(pieces))]
    poolable = [
        limits is not None
        and clause.kind in limits.clause_kinds
        and held[number] <= limits.max_sentences
        and counter.count_tokens(piece.text) <= limits.max_tokens
        for number, piece in enumerate(pieces)
    ]
    out: list[tuple[str, tuple[int, int, int] | None]] = []
    for place in places:
        if place is not None and (place[1], place[2]) == (0, len(pieces[place[0]].text)):
            out.append(("chunk", place))
        elif place is not None and poolable[place[0]]:
            out.append(("span", place))
        else:
            out.append(("own", place))
    return out


def _in_batches(texts: list[str], passages: CachedEmbedder, done: Callable[[int], None]) -> np.ndarray:
    parts = []
    for start in range(0, len(texts), passages.batch_texts):
        done(start)
        parts.append(passages.embed_passages(texts[start : start + passages.batch_texts]))
    return np.vstack(parts) if parts else np.zeros((0, passages.dim), dtype=np.float32)
