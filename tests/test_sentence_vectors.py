"""Sentence vectors: pooled from short chunks (late chunking), embedded on their own in long ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.chunking import chunk_clause, sentence_places
from assistant.embeddings import NumpyE5Embedder
from assistant.index import PolicyIndex
from assistant.ingest import load_document
from assistant.settings import Settings
from assistant.types import Clause
from tests.conftest import write_doc
from tests.test_index_cache import CountingEmbedder, top

SHORT = "第一条 为了保护森林资源，制定本法。本法所称森林，包括乔木林和竹林。"
LONG_SENTENCES = [
    "国家建立森林资源保护发展目标责任制，实行森林资源保护发展目标完成情况考核评价制度。",
    "县级以上人民政府应当将森林资源保护和林业发展纳入国民经济和社会发展规划。",
    "地方各级人民政府应当建立健全林长制，组织开展森林防火和林业有害生物防治工作。",
    "任何单位和个人都有保护森林资源的义务，对破坏森林资源的行为有权举报。",
]
LAW = f"中华人民共和国森林示例法\n\n{SHORT}\n\n第二条 {''.join(LONG_SENTENCES)}\n\n第三条 本法自公布之日起施行。\n"


class SpanCountingEmbedder(CountingEmbedder):
    """The counting embedder of test_index_cache; texts read with spans are recorded apart (`pooled`), so
    `passages` holds only what was embedded on its own."""

    def __init__(self, inner: NumpyE5Embedder):
        super().__init__(inner)
        self.pooled: list[tuple[str, list[tuple[int, int]]]] = []

    def embed_passages_with_spans(self, texts, spans):
        self.pooled.extend(zip(texts, spans))
        return self.inner.embed_passages_with_spans(texts, spans)


@pytest.fixture
def law_file(tmp_path: Path) -> Path:
    return write_doc(tmp_path / "corpus", "forest.md", LAW)


@pytest.fixture
def counting(embedder) -> SpanCountingEmbedder:
    return SpanCountingEmbedder(embedder)


def clauses_of(path: Path) -> dict[str, Clause]:
    return {c.clause: c for c in load_document(path).clauses}


def test_each_sentence_is_placed_in_the_chunk_that_holds_it(law_file, embedder):
    clause = clauses_of(law_file)["第二条"]
    chunks = chunk_clause(clause, 40, embedder.count_tokens)  # small budget: several chunks
    assert len(chunks) > 1
    places = sentence_places(clause, chunks)
    assert len(places) == len(clause.sentences)
    for sentence, place in zip(clause.sentences, places):
        assert place is not None
        piece, start, end = place
        assert chunks[piece].text[start:end] == sentence.text


def test_a_sentence_cut_across_chunks_has_no_place(law_file, embedder):
    clause = clauses_of(law_file)["第二条"]
    chunks = chunk_clause(clause, 12, embedder.count_tokens)  # shorter than any sentence: cut by characters
    places = sentence_places(clause, chunks)
    assert None in places


@pytest.mark.parametrize("limit", ["tokens", "sentences"])
def test_short_chunks_pool_their_sentences_and_long_ones_embed_them(tmp_path, law_file, counting, limit):
    long_clause = clauses_of(law_file)["第二条"]
    # 第二条 is just over the limit (four sentences, its token count); 第一条 (two sentences) is not.
    if limit == "tokens":
        limits = {"pool_max_tokens": counting.count_tokens(long_clause.text) - 1, "pool_max_sentences": 8}
    else:
        limits = {"pool_max_tokens": 512, "pool_max_sentences": len(long_clause.sentences) - 1}
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=law_file.parent, embedding=limits)
    report = PolicyIndex(settings, counting).sync()

    assert report.added == ["forest"]
    pooled = dict(counting.pooled)
    short = clauses_of(law_file)["第一条"]
    # 第一条's two sentences come from its own forward pass; 第三条 is one sentence: its chunk's vector.
    assert [short.text[a:b] for a, b in pooled[short.text]] == [s.text for s in short.sentences]
    assert pooled["第三条 本法自公布之日起施行。"] == []
    assert pooled[long_clause.text] == []
    assert sorted(counting.passages) == sorted(s.text for s in long_clause.sentences)


def test_pooled_index_embeds_nothing_twice_and_finds_sentences(tmp_path, law_file, counting):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=law_file.parent)
    index = PolicyIndex(settings, counting)
    index.sync()
    assert counting.pooled
    counting.pooled.clear()
    counting.passages.clear()

    assert index.sync(rebuild=True).embedded_texts == 0
    assert counting.pooled == [] and counting.passages == []
    assert top(index, "对破坏森林资源的行为可以举报吗") == ("forest", "第二条")
    assert top(index, "森林包括哪些") == ("forest", "第一条")


def test_changing_how_sentence_vectors_are_made_reindexes_everything(tmp_path, law_file, embedder):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=law_file.parent)
    pooled = PolicyIndex(settings, embedder)
    pooled.sync()
    first = clauses_of(law_file)["第一条"]
    stored = pooled.store.sentence_vectors([first.key])

    separate = settings.model_copy(
        update={"embedding": settings.embedding.model_copy(update={"sentence_vectors": "separate"})}
    )
    index = PolicyIndex(separate, embedder)
    assert index.is_stale() is True
    assert index.sync().updated == ["forest"]
    assert PolicyIndex(separate, embedder).is_stale() is False
    # The texts did not change, the vectors did: the store holds the separately embedded ones now.
    own = embedder.embed_passages([s.text for s in first.sentences])
    now = index.store.sentence_vectors([first.key])
    for number, sentence in enumerate(first.sentences):
        key = f"{first.key}:s{sentence.index}"
        assert np.allclose(now[key], own[number], atol=1e-5)
        assert not np.allclose(stored[key], own[number], atol=1e-3)

    for limit in ("pool_max_tokens", "pool_max_sentences"):
        narrower = settings.model_copy(update={"embedding": settings.embedding.model_copy(update={limit: 1})})
        assert PolicyIndex(narrower, embedder).sync().updated == ["forest"]


def test_new_collections_take_the_hnsw_settings(tmp_path, law_file, embedder):
    settings = Settings(
        data_dir=tmp_path / "data", corpus_dir=law_file.parent, chroma={"hnsw_m": 12, "hnsw_construction_ef": 64}
    )
    index = PolicyIndex(settings, embedder)
    index.sync()
    for collection in (index.store.chunks, index.store.sentences):
        metadata = collection.metadata
        assert (metadata["hnsw:M"], metadata["hnsw:construction_ef"], metadata["hnsw:space"]) == (12, 64, "cosine")
    # A rebuild makes its collections with the same settings.
    index.sync(rebuild=True)
    assert index.store.sentences.metadata["hnsw:M"] == 12
