"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused with reciprocal rank fusion, per clause."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from assistant.index import PolicyIndex
from assistant.types import Clause, Hit, SearchResult


@dataclass(frozen=True)
class SearchFilter:
    """Restrict retrieval to documents and/or parts; a part is its heading or its numeral (二)."""

    doc_ids: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()

    def allows(self, clause: Clause) -> bool:
        if self.doc_ids and clause.doc_id not in self.doc_ids:
            return False
        return not self.parts or any(_part_matches(clause.part, p) for p in self.parts)


def _part_matches(part: str, wanted: str) -> bool:
    return bool(part) and (part == wanted or part.startswith(wanted + "、") or part.startswith(f"第{wanted}章"))


@dataclass
class SearchTimings:
    embed_ms: float = 0.0
    dense_ms: float = 0.0
    bm25_ms: float = 0.0
    total_ms: float = 0.0


@dataclass
class RankedClause:
    clause: Clause
    score: float
    dense: float | None = None
    sentence: float | None = None
    bm25: float | None = None
    dense_rank: int | None = None
    sentence_rank: int | None = None
    bm25_rank: int | None = None


@dataclass
class Retrieval:
    query: str
    vector: np.ndarray | None
    ranked: list[RankedClause]
    timings: SearchTimings


@dataclass
class HybridSearcher:
    index: PolicyIndex
    candidates: int = 30
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    sentence_weight: float = 2.0

    @classmethod
    def from_index(cls, index: PolicyIndex) -> HybridSearcher:
        r = index.settings.retrieval
        return cls(index, r.candidates, r.rrf_k, r.dense_weight, r.bm25_weight, r.sentence_weight)

    def rank(self, query: str, k: int, where: SearchFilter | None = None) -> list[RankedClause]:
        return self.retrieve(query, k, where).ranked

    def retrieve(self, query: str, k: int, where: SearchFilter | None = None) -> Retrieval:
        """Fused ranking of clauses; each keeps its per-retriever score and rank."""
        timings = SearchTimings()
        vector: np.ndarray | None = None
        started = time.perf_counter()
        clauses = self.index.clauses
        allowed: set[str] | None = None
        doc_ids: list[str] | None = None
        parts: list[str] | None = None
        if where and (where.doc_ids or where.parts):
            allowed = {key for key, c in clauses.items() if where.allows(c)}
            doc_ids = sorted({clauses[key].doc_id for key in allowed})
            parts = sorted({clauses[key].part for key in allowed}) if where.parts else None

        ranked: dict[str, RankedClause] = {}
        if self.dense_weight > 0 or self.sentence_weight > 0:
            t = time.perf_counter()
            topical = self.index.lexical.topical(query) if self.index.lexical else query
            vector = self.index.embedder.embed_query(topical)
            timings.embed_ms = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            store = self.index.store
            # Clause chunks capture the topic; the best single sentence captures a specific statement.
            for weight, found, field_name in (
                (
                    self.dense_weight,
                    store.query(vector, self.candidates, doc_ids, parts) if self.dense_weight else [],
                    "dense",
                ),
                (
                    self.sentence_weight,
                    store.query_sentences(vector, self.candidates * 4, doc_ids, parts) if self.sentence_weight else [],
                    "sentence",
                ),
            ):
                position = 0
                for key, similarity in found:
                    if key not in clauses or (allowed is not None and key not in allowed):
                        continue
                    position += 1
                    entry = ranked.setdefault(key, RankedClause(clauses[key], 0.0))
                    setattr(entry, field_name, similarity)
                    setattr(entry, field_name + "_rank", position)
                    entry.score += weight / (self.rrf_k + position)
            timings.dense_ms = (time.perf_counter() - t) * 1000
        if self.bm25_weight > 0 and self.index.lexical is not None:
            t = time.perf_counter()
            lexical = self.index.lexical.top(query, self.candidates, allowed)
            timings.bm25_ms = (time.perf_counter() - t) * 1000
            for position, (key, score) in enumerate(lexical):
                if key not in clauses:  # the index was swapped by a concurrent sync
                    continue
                entry = ranked.setdefault(key, RankedClause(clauses[key], 0.0))
                entry.bm25, entry.bm25_rank = score, position + 1
                entry.score += self.bm25_weight / (self.rrf_k + position + 1)
        result = sorted(ranked.values(), key=lambda r: (-r.score, r.clause.order))[:k]
        timings.total_ms = (time.perf_counter() - started) * 1000
        return Retrieval(query, vector, result, timings)

    def search(self, query: str, k: int, where: SearchFilter | None = None) -> SearchResult:
        hits = [to_hit(i + 1, r) for i, r in enumerate(self.rank(query, k, where))]
        return SearchResult(query=query, hits=hits)


def to_hit(rank: int, ranked: RankedClause) -> Hit:
    c = ranked.clause
    return Hit(
        rank=rank,
        doc_id=c.doc_id,
        doc_title=c.doc_title,
        clause=c.clause,
        part=c.part,
        label=c.label,
        text=c.text,
        score=round(ranked.score, 6),
        scores={
            "dense": None if ranked.dense is None else round(ranked.dense, 6),
            "sentence": None if ranked.sentence is None else round(ranked.sentence, 6),
            "bm25": None if ranked.bm25 is None else round(ranked.bm25, 6),
        },
    )


def __getattr__(name: str) -> object:
    # langchain_core costs ~1.6 s to import; only LangChain users pay for it.
    if name == "PolicyRetriever":
        from assistant.langchain_retriever import PolicyRetriever

        return PolicyRetriever
    raise AttributeError(name)
