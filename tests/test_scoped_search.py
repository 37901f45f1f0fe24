"""Exact search inside named documents finds what the vector store's filter finds, and steps aside when incomplete."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.index import PolicyIndex
from assistant.retrieve import HybridSearcher, SearchFilter
from assistant.scoped_search import ScopedVectors
from assistant.settings import Settings

QUESTIONS = ["防汛工作的方针是什么", "对外贸易经营者要备案吗", "违法行为的罚款", "人民法院审理案件", "承包期限"]


@pytest.mark.parametrize("kind", ["chunks", "sentences"])
def test_exact_search_in_named_documents_finds_what_the_filter_finds(laws_assistant, kind):
    index = laws_assistant.index
    store, scoped = index.store, ScopedVectors(capacity=100_000)
    documents = index.documents
    for named in ([documents[0]], documents[1:3], [documents[-1]]):
        doc_ids = [d.doc_id for d in named]
        for question in QUESTIONS:
            vector = index.embedder.embed_query(question)
            for n in (5, 40):
                exact = scoped.best_per_clause(store, kind, named, vector, n)
                if kind == "chunks":
                    filtered = store.query(vector, n, doc_ids)
                else:
                    filtered = store.query_sentences(vector, n, doc_ids)
                assert exact is not None
                assert [k for k, _ in exact] == [k for k, _ in filtered], (question, doc_ids, n)
                assert np.allclose([s for _, s in exact], [s for _, s in filtered], atol=1e-4)
                assert {k.split("#")[0] for k, _ in exact} <= set(doc_ids)


def test_parts_are_respected(directive_assistant):
    index = directive_assistant.index
    document = index.documents[0]
    parts = sorted({c.part for c in document.clauses if c.part})
    vector = index.embedder.embed_query("加快发展现代服务业")
    for wanted in (parts[2:3], parts[1:4]):
        exact = ScopedVectors(10_000).best_per_clause(index.store, "sentences", [document], vector, 20, wanted)
        assert exact and {index.clauses[k].part for k, _ in exact} <= set(wanted)
        filtered = index.store.query_sentences(vector, 20, [document.doc_id], wanted)
        assert [k for k, _ in exact] == [k for k, _ in filtered]


def test_a_document_missing_vectors_goes_through_the_filter(tmp_path: Path, laws_assistant, embedder):
    data = tmp_path / "data"
    shutil.copytree(laws_assistant.settings.data_dir, data)
    index = PolicyIndex(Settings(data_dir=data, corpus_dir=laws_assistant.settings.corpus_dir), embedder)
    document = index.documents[0]
    first = document.clauses[0]
    index.store.sentences.delete(ids=[f"{first.key}:s{first.sentences[0].index}"])
    vector = embedder.embed_query("防汛")
    assert ScopedVectors(10_000).best_per_clause(index.store, "sentences", [document], vector, 5) is None
    # The searcher still answers, through the store's filter.
    searcher = HybridSearcher.from_index(index)
    hits = searcher.search("防汛工作的方针", 3, SearchFilter(doc_ids=(document.doc_id,))).hits
    assert hits and {h.doc_id for h in hits} == {document.doc_id}


def test_the_cache_keeps_at_most_its_capacity(laws_assistant):
    index = laws_assistant.index
    sizes = {d.doc_id: sum(len(c.sentences) for c in d.clauses) for d in index.documents}
    capacity = max(sizes.values()) + 1
    scoped = ScopedVectors(capacity)
    vector = index.embedder.embed_query("罚款")
    for document in index.documents:
        assert scoped.best_per_clause(index.store, "sentences", [document], vector, 5) is not None
        assert scoped._size <= capacity
    # The most recent document is the one kept.
    assert [key[3] for key in scoped._kept] == [index.documents[-1].doc_id]
