"""Leaving documents out of a vector search (superseded versions) finds what a Chroma filter finds."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("n", [3, 30, 120, 5000])
def test_leaving_out_documents_finds_what_a_filter_finds(laws_assistant, n):
    index = laws_assistant.index
    documents = [d.doc_id for d in index.documents]
    skip, kept = frozenset(documents[:2]), documents[2:]
    for question in ("防汛工作的方针是什么", "对外贸易经营者要备案吗", "违法行为的罚款"):
        vector = index.embedder.embed_query(question)
        filtered = index.store.query_sentences(vector, n, kept)
        left_out = index.store.query_sentences(vector, n, skip=skip)
        assert [k for k, _ in left_out] == [k for k, _ in filtered]
        assert not {k.split("#")[0] for k, _ in left_out} & skip
        assert [k for k, _ in index.store.query(vector, n, skip=skip)] == [
            k for k, _ in index.store.query(vector, n, kept)
        ]
