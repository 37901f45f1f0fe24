"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused with reciprocal rank fusion, per clause."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property

import numpy as np

from assistant.embeddings import embed_queries
from assistant.index import PolicyIndex
from assistant.references import DocumentNames, Resolution
from assistant.scoped_search import ScopedVectors
from assistant.types import Clause, ClauseOutline, Document, DocumentHeader, Hit, SearchResult


@dataclass(frozen=True)
class SearchFilter:
    """Restrict retrieval to documents and/or parts; a part is its heading or its numeral (二)."""

    doc_ids: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()

    @cached_property
    def _doc_set(self) -> frozenset[str]:
        return frozenset(self.doc_ids)  # all but the superseded versions can be thousands of ids

    def allows(self, clause: Clause | ClauseOutline) -> bool:
        if self.doc_ids and clause.doc_id not in self._doc_set:
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


@dataclass(kw_only=True)
class FusionScores:
    """A clause's fused score, and its score and rank in each retriever that found it."""

    score: float = 0.0
    dense: float | None = None
    sentence: float | None = None
    bm25: float | None = None
    dense_rank: int | None = None
    sentence_rank: int | None = None
    bm25_rank: int | None = None


@dataclass(kw_only=True)
class RankedClause(FusionScores):
    clause: Clause


@dataclass(kw_only=True)
class _Candidate(FusionScores):
    """A clause during fusion, known by its outline: only the clauses finally returned are read whole."""

    outline: ClauseOutline

    def ranked(self, clause: Clause) -> RankedClause:
        return RankedClause(clause=clause, **{f.name: getattr(self, f.name) for f in fields(FusionScores)})


@dataclass
class Retrieval:
    query: str
    vector: np.ndarray | None
    ranked: list[RankedClause]
    timings: SearchTimings
    resolution: Resolution = field(default_factory=Resolution)

    @property
    def focus(self) -> str:
        """What the question asks, without the names of the documents it names."""
        return self.resolution.focus.strip() or self.query

    @property
    def pinned(self) -> list[RankedClause]:
        """The articles the question names explicitly (ranked first)."""
        keys = set(self.resolution.articles)
        return [r for r in self.ranked if r.clause.key in keys]


def scoped(
    where: SearchFilter | None, resolution: Resolution, superseded: set[str], all_docs: set[str]
) -> SearchFilter | None:
    """The documents the question names; with none named, everything but superseded versions."""
    parts = where.parts if where else ()
    wanted = set(where.doc_ids) if where and where.doc_ids else None
    if resolution.doc_ids:
        named = set(resolution.doc_ids)
        narrowed = named & wanted if wanted is not None else named
        if narrowed:
            return SearchFilter(tuple(sorted(narrowed)), parts)
    if wanted is None and superseded:
        return SearchFilter(tuple(sorted(all_docs - superseded)), parts)
    return where


Scope = tuple[set[str] | None, list[str] | None, list[str] | None, frozenset[str]]
"""Allowed clause keys, documents and parts for the vector store, documents left out after the search."""
_SCOPES_KEPT = 64  # filters remembered per catalog (named documents make new ones)
_NAMED_AT_MOST = 16  # a filter naming more documents is checked against every clause, and searched in Chroma


@dataclass
class HybridSearcher:
    index: PolicyIndex
    candidates: int = 30
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    sentence_weight: float = 2.0
    named_document_weight: float = 2.0
    scoped_vectors: ScopedVectors | None = None
    _names: DocumentNames | None = field(default=None, init=False, repr=False)
    _names_for: object = field(default=None, init=False, repr=False)
    _scopes: dict[SearchFilter, Scope] = field(default_factory=dict, init=False, repr=False)
    _scopes_for: object = field(default=None, init=False, repr=False)

    def names(self) -> DocumentNames:
        """Document names of the indexed corpus, rebuilt when the catalog changes."""
        catalog = self.index.catalog
        if self._names is None or self._names_for is not catalog:
            self._names, self._names_for = DocumentNames(self.index.headers), catalog
        return self._names

    @classmethod
    def from_index(cls, index: PolicyIndex) -> HybridSearcher:
        r, fusion = index.settings.retrieval, index.settings.profile.fusion
        return cls(
            index,
            r.candidates,
            r.rrf_k,
            fusion.dense_weight,
            fusion.bm25_weight,
            fusion.sentence_weight,
            fusion.named_document_weight,
            ScopedVectors(r.scoped_vectors) if r.scoped_vectors else None,
        )

    def rank(self, query: str, k: int, where: SearchFilter | None = None) -> list[RankedClause]:
        return self.retrieve(query, k, where).ranked

    def retrieve(self, query: str, k: int, where: SearchFilter | None = None, scope: tuple[str, ...] = ()) -> Retrieval:
        """Fused ranking of clauses; each keeps its per-retriever score and rank.

        Documents the question names weigh decisively (searched on their own, then lifted by
        `named_document_weight`); superseded versions are searched only when named; articles the
        question names come first. `scope` is the document the conversation is about, for 第N条 alone.
        """
        timings = SearchTimings()
        vector: np.ndarray | None = None
        started = time.perf_counter()
        names = self.names()
        fixed = where.doc_ids if where and len(where.doc_ids) == 1 else scope
        resolution = names.resolve(query, fixed)
        everything = set(names.documents)
        # Inside the named documents their names say nothing: rank by what the question asks of them.
        # (The full question's vector still scores sentences: the refusal floors are calibrated on it.)
        focus = resolution.focus if len(resolution.focus.strip()) >= 2 else query
        focus_vector: np.ndarray | None = None
        if self.dense_weight > 0 or self.sentence_weight > 0:
            t = time.perf_counter()
            asked = [query, focus] if resolution.doc_ids and focus != query else [query]
            vectors = embed_queries(self.index.embedder, [self._topical(text) for text in asked])
            vector, focus_vector = vectors[0], vectors[-1]
            timings.embed_ms = (time.perf_counter() - t) * 1000
        ranked = self._fuse(query, vector, scoped(where, Resolution(), names.superseded, everything), timings)
        if resolution.doc_ids:
            named_where = scoped(where, resolution, names.superseded, everything)
            lift = self.named_document_weight / (self.rrf_k + 1)
            for key, entry in self._fuse(focus, focus_vector, named_where, timings).items():
                entry.score += lift
                ranked[key] = entry
        result = sorted(ranked.values(), key=lambda r: (-r.score, r.outline.order))
        top = pin(result, resolution.articles, self.index.outline)[:k]
        timings.total_ms = (time.perf_counter() - started) * 1000
        return Retrieval(query, vector, self._read(top), timings, resolution)

    def _read(self, candidates: list[_Candidate]) -> list[RankedClause]:
        """The candidates with their clauses' text (their documents are decoded now, in one read)."""
        if self.index.catalog is not None:
            self.index.catalog.materialize(c.outline.doc_id for c in candidates)
        clauses = self.index.clauses
        found = [(c, clauses.get(c.outline.key)) for c in candidates]
        return [c.ranked(clause) for c, clause in found if clause is not None]  # None: removed meanwhile

    def _topical(self, text: str) -> str:
        return self.index.lexical.topical(text) if self.index.lexical else text

    def _fuse(
        self, query: str, vector: np.ndarray | None, where: SearchFilter | None, timings: SearchTimings
    ) -> dict[str, _Candidate]:
        """Reciprocal rank fusion of the dense chunk, best-sentence and BM25 rankings within the filter."""
        clauses = self.index.outline
        allowed, doc_ids, parts, skip = self._scope(where)

        ranked: dict[str, _Candidate] = {}
        if vector is not None:
            t = time.perf_counter()
            # Clause chunks capture the topic; the best single sentence captures a specific statement.
            for weight, found, field_name in (
                (
                    self.dense_weight,
                    self._dense("chunks", vector, self.candidates, doc_ids, parts, skip) if self.dense_weight else [],
                    "dense",
                ),
                (
                    self.sentence_weight,
                    self._dense("sentences", vector, self.candidates * 4, doc_ids, parts, skip)
                    if self.sentence_weight
                    else [],
                    "sentence",
                ),
            ):
                position = 0
                for key, similarity in found:
                    if key not in clauses or (allowed is not None and key not in allowed):
                        continue
                    position += 1
                    entry = ranked.setdefault(key, _Candidate(outline=clauses[key]))
                    setattr(entry, field_name, similarity)
                    setattr(entry, field_name + "_rank", position)
                    entry.score += weight / (self.rrf_k + position)
            timings.dense_ms += (time.perf_counter() - t) * 1000
        if self.bm25_weight > 0 and self.index.lexical is not None:
            t = time.perf_counter()
            lexical = self.index.lexical.top(query, self.candidates, allowed)
            timings.bm25_ms += (time.perf_counter() - t) * 1000
            for position, (key, score) in enumerate(lexical):
                if key not in clauses:  # the index was swapped by a concurrent sync
                    continue
                entry = ranked.setdefault(key, _Candidate(outline=clauses[key]))
                entry.bm25, entry.bm25_rank = score, position + 1
                entry.score += self.bm25_weight / (self.rrf_k + position + 1)
        return ranked

    def _dense(
        self,
        kind: str,
        vector: np.ndarray,
        n: int,
        doc_ids: list[str] | None,
        parts: list[str] | None,
        skip: frozenset[str],
    ) -> list[tuple[str, float]]:
        """Best similarity per clause: exactly within a few named documents, else through the vector store."""
        store = self.index.store
        if doc_ids is not None and len(doc_ids) <= _NAMED_AT_MOST and self.scoped_vectors is not None:
            documents = [d for d in map(self.index.document, doc_ids) if d is not None]
            size = sum(len(c.sentences) or 1 for d in documents for c in d.clauses)
            if len(documents) == len(doc_ids) and size <= self.scoped_vectors.capacity:
                found = self.scoped_vectors.best_per_clause(store, kind, documents, vector, n, parts)
                if found is not None:
                    return found
        if kind == "chunks":
            return store.query(vector, n, doc_ids, parts, skip)
        return store.query_sentences(vector, n, doc_ids, parts, skip)

    def _scope(self, where: SearchFilter | None) -> Scope:
        """The clauses a filter allows, and how the vector store is told; kept per filter until the catalog changes.

        (Every question without a named document has the same filter, all but the superseded versions.)
        """
        if not where or not (where.doc_ids or where.parts):
            return None, None, None, frozenset()
        catalog = self.index.catalog
        if self._scopes_for is not catalog:
            self._scopes, self._scopes_for = {}, catalog
        found = self._scopes.get(where)
        if found is not None:
            return found
        clauses = self.index.outline
        named = [self.index.header(d) for d in where.doc_ids] if len(where.doc_ids) <= _NAMED_AT_MOST else []
        if named and all(named):
            # A few named documents: their own clauses, not a pass over the whole library's.
            allowed = {c.key for d in named if d is not None for c in d.clauses if where.allows(c)}
        else:
            allowed = {key for key, c in clauses.items() if where.allows(c)}
        doc_ids: list[str] | None = sorted({clauses[key].doc_id for key in allowed})
        parts = sorted({clauses[key].part for key in allowed}) if where.parts else None
        skip: frozenset[str] = frozenset()
        everything = self.names().documents
        if parts is None and doc_ids is not None and len(doc_ids) > len(everything) / 2:
            # Most documents (all but superseded versions): name the few left out instead.
            skip, doc_ids = frozenset(everything) - set(doc_ids), None
        found = (allowed, doc_ids, parts, skip)
        if len(self._scopes) < _SCOPES_KEPT:
            self._scopes[where] = found
        return found

    def search(self, query: str, k: int, where: SearchFilter | None = None) -> SearchResult:
        hits = [to_hit(i + 1, r, self.index.header(r.clause.doc_id)) for i, r in enumerate(self.rank(query, k, where))]
        return SearchResult(query=query, hits=hits)


def pin(ranked: list[_Candidate], keys: tuple[str, ...], clauses: Mapping[str, ClauseOutline]) -> list[_Candidate]:
    """The named articles first, in the order the question names them, above every fused score."""
    if not keys:
        return ranked
    top = ranked[0].score if ranked else 0.0
    by_key = {r.outline.key: r for r in ranked}
    first = []
    for i, key in enumerate(keys):
        if key not in clauses:
            continue
        entry = by_key.pop(key, None) or _Candidate(outline=clauses[key])
        entry.score = top + 1.0 - i * 1e-3
        first.append(entry)
    return first + [r for r in ranked if r.outline.key in by_key]


def to_hit(rank: int, ranked: RankedClause, document: Document | DocumentHeader | None = None) -> Hit:
    """A ranked clause as the CLI, API and UI show it; `document` adds its kind, issuer, version and status."""
    c = ranked.clause
    return Hit(
        rank=rank,
        doc_id=c.doc_id,
        doc_title=c.doc_title,
        doc_kind=document.kind if document else "",
        issuer=document.issuer if document else "",
        version_date=document.version_date if document else None,
        in_force=document.in_force if document else True,
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
