"""What an update costs: the vector cache, per-document lexical tokens, resuming, the remembered corpus, progress."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.embeddings import Embedder
from assistant.index import PolicyIndex
from assistant.jobs import read_progress
from assistant.lexical import LexicalIndex
from assistant.retrieve import HybridSearcher
from assistant.settings import Settings
from tests.conftest import write_doc

LAW = """中华人民共和国防汛条例

第一条 为了做好防汛抗洪工作，保障人民生命财产安全，制定本条例。

第二条 在中华人民共和国境内进行防汛抗洪活动，适用本条例。

第三条 防汛工作实行“安全第一，常备不懈，以防为主，全力抢险”的方针。

第四条 防汛工作实行各级人民政府行政首长负责制，统一指挥，分级分部门负责。
"""
CARE = """关于加强社区养老服务的通知

（一）发展居家养老。社区要为老年人提供助餐和助浴服务。

（二）培养护理人才。开展养老护理员职业技能培训。
"""


class CountingEmbedder:
    """The real embedder, counting the texts that go through the model."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.passages: list[str] = []

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages.extend(texts)
        return self.inner.embed_passages(texts)

    def embed_passages_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]):
        """Texts read once for their own vector and their sentences' pooled ones (articles)."""
        self.passages.extend(texts)
        return self.inner.embed_passages_with_spans(texts, spans)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_doc(folder, "flood-law.md", LAW)
    write_doc(folder, "care.txt", CARE)
    return folder


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=corpus)


@pytest.fixture
def counting(embedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


def top(index: PolicyIndex, query: str) -> tuple[str, str]:
    hit = HybridSearcher.from_index(index).search(query, 3).hits[0]
    return hit.doc_id, hit.clause


def test_second_build_and_rebuild_embed_nothing(settings, counting):
    index = PolicyIndex(settings, counting)
    first = index.sync()
    assert first.embedded_texts == len(counting.passages) > 0
    # Each distinct text reaches the model once, even when a sentence is its whole clause.
    assert len(set(counting.passages)) == len(counting.passages)

    counting.passages.clear()
    assert index.sync().embedded_texts == 0
    assert index.sync(rebuild=True).embedded_texts == 0
    assert PolicyIndex(settings, counting).sync(rebuild=True).embedded_texts == 0
    assert counting.passages == []
    assert top(index, "防汛工作的方针是什么") == ("flood-law", "第三条")


def test_one_article_change_embeds_only_that_article(settings, corpus, counting):
    index = PolicyIndex(settings, counting)
    index.sync()
    counting.passages.clear()
    write_doc(corpus, "flood-law.md", LAW.replace("分级分部门负责", "分级分部门负责，并接受社会监督"))

    report = index.sync()

    assert report.updated == ["flood-law"]
    assert counting.passages, "the changed article must be embedded"
    assert all("接受社会监督" in text for text in counting.passages)
    assert report.embedded_texts == len(counting.passages)
    assert "接受社会监督" in index.clauses["flood-law#第四条"].text


def test_lexical_index_from_stored_tokens_ranks_like_a_full_rebuild(settings, corpus, embedder):
    index = PolicyIndex(settings, embedder)
    index.sync()
    write_doc(corpus, "extra.txt", "关于防汛物资储备的通知\n\n（一）储备物资。各地要储备沙袋和冲锋舟。\n")
    (corpus / "care.txt").unlink()
    index.sync()
    assert index.lexical is not None

    keys = list(index.clauses)
    full = LexicalIndex.build(keys, [index.clauses[k].text for k in keys], "full")
    for query in ("防汛抗洪", "冲锋舟", "行政首长负责制", "养老"):
        assert index.lexical.top(query, 5) == full.top(query, 5)
        assert np.allclose(index.lexical.scores(query), full.scores(query))


def test_deleted_vector_store_is_repaired_from_the_cache(settings, counting):
    index = PolicyIndex(settings, counting)
    index.sync()
    # What a Chroma server restarted on an empty path (or a deleted index/chroma) looks like: no collections.
    index.store.drop()
    counting.passages.clear()

    reopened = PolicyIndex(settings, counting)
    assert reopened.vectors_intact() is False
    report = reopened.ensure_ready()

    assert report is not None
    assert sorted(report.repaired) == ["care", "flood-law"]
    assert counting.passages == []
    assert reopened.vectors_intact() is True
    assert top(reopened, "防汛工作的方针是什么") == ("flood-law", "第三条")


def test_corpus_chosen_with_index_stays_chosen(settings, tmp_path, embedder):
    other = tmp_path / "other"
    write_doc(other, "care.txt", CARE)
    index = PolicyIndex(settings, embedder)
    index.sync(other)

    later = PolicyIndex(settings, embedder)
    assert later.is_stale() is False
    assert later.ensure_ready() is None
    assert [d.doc_id for d in later.documents] == ["care"]

    # A different configured folder wins over the remembered choice.
    moved = PolicyIndex(settings.model_copy(update={"corpus_dir": tmp_path / "third"}), embedder)
    assert moved.is_stale() is True


def test_progress_is_readable_after_the_job(settings, embedder):
    index = PolicyIndex(settings, embedder)
    assert read_progress(settings.index_dir) is None
    index.sync()
    progress = read_progress(settings.index_dir)
    assert progress is not None
    assert progress.finished is True and progress.running is False
    assert progress.error is None
    assert progress.fraction == 1.0


def test_an_index_from_before_the_cache_is_adopted_without_embedding(settings, counting):
    # Indexes from before the cache made every sentence vector on its own. (A pooled sentence vector depends on
    # its chunk, not only on its text, so the cache never takes one from the store.)
    embedding = settings.embedding.model_copy(update={"sentence_vectors": "separate"})
    settings = settings.model_copy(update={"embedding": embedding})
    index = PolicyIndex(settings, counting)
    index.sync()
    # What an index written by the previous version looks like: vectors in Chroma, no state rows, no cache.
    for doc_id in index.state.states():
        index.state.delete(doc_id)
    with sqlite3.connect(settings.index_dir / "vectors.sqlite3") as db:
        db.execute("DELETE FROM vectors")
    counting.passages.clear()

    report = PolicyIndex(settings, counting).sync()

    assert sorted(report.updated) == ["care", "flood-law"]
    assert counting.passages == []
    assert report.embedded_texts == 0


def test_staging_folders_of_killed_lexical_saves_are_removed(settings, embedder):
    index = PolicyIndex(settings, embedder)
    index.sync()
    abandoned = settings.index_dir / ".lexical-killed"
    abandoned.mkdir()
    recent = settings.index_dir / ".lexical-running"
    recent.mkdir()
    hours_ago = time.time() - 2 * 3600
    os.utime(abandoned, (hours_ago, hours_ago))
    assert index.lexical is not None

    index.lexical.save(settings.index_dir / "lexical")

    assert not abandoned.exists()
    assert recent.exists()  # may belong to a save in progress in another process
