"""The catalog is lazy: opening an index reads headers and clause outlines, a search decodes only the documents it
returns or names, and whole-corpus readers still see everything."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from assistant.catalog import header_of
from assistant.index import PolicyIndex
from assistant.retrieve import HybridSearcher
from assistant.service import PolicyAssistant
from assistant.settings import Settings
from tests.test_read_only import listing, read_only_mount

UNNAMED = ["车船税的纳税人是谁？", "烟叶税的税率是多少", "春节放假几天"]
NAMED = ["《车船税法实施条例》第二条", "2013年版《全国年节及纪念日放假办法》第二条 春节"]


def hits_of(searcher: HybridSearcher, question: str) -> list[tuple[str, str, float]]:
    return [(h.doc_id, h.clause, h.score) for h in searcher.search(question, 3).hits]


@pytest.fixture
def laws_copy(laws_assistant: PolicyAssistant, tmp_path: Path) -> Path:
    """The six indexed laws' data directory, copied so that a test may change or mount it."""
    data = tmp_path / "data"
    shutil.copytree(laws_assistant.settings.data_dir, data)
    return data


def state_path(data: Path) -> Path:
    (path,) = (data / "index").glob("state-*.sqlite3")
    return path


def drop_headers(data: Path) -> None:
    """What an index state written before headers were stored looks like."""
    with sqlite3.connect(state_path(data)) as db:
        db.execute("DROP TABLE headers")


def test_opening_decodes_no_document_and_a_search_only_its_hits_and_named_documents(laws_assistant, embedder):
    index = PolicyIndex(laws_assistant.settings, embedder)
    total = len(index.headers)
    assert total == 6 and index.materialized == 0
    assert len(index.clauses) == len(laws_assistant.index.clauses)
    searcher = HybridSearcher.from_index(index)
    decoded: set[str] = set()
    for question in UNNAMED + NAMED:
        got = hits_of(searcher, question)
        assert got == hits_of(laws_assistant.searcher, question)  # the same hits as from documents in memory
        named = set(searcher.names().resolve(question).doc_ids)
        decoded |= {doc_id for doc_id, _, _ in got} | named
        assert index.materialized <= len(decoded)
        assert {d for d in (h.doc_id for h in index.headers) if index.catalog.held(d)} <= decoded
    assert index.materialized < total
    index.state.close()


def test_clauses_and_documents_give_everything_when_iterated(laws_assistant, embedder):
    index = PolicyIndex(laws_assistant.settings, embedder)
    expected = laws_assistant.index.documents
    assert [d.doc_id for d in index.documents] == [d.doc_id for d in expected]
    assert index.documents == expected
    assert index.materialized == len(expected)
    reopened = PolicyIndex(laws_assistant.settings, embedder)
    clauses = {key: clause.text for key, clause in reopened.clauses.items()}
    assert clauses == {c.key: c.text for d in expected for c in d.clauses}
    assert [c.key for c in reopened.clauses.values()] == list(clauses)
    first = expected[0].clauses[0]
    assert reopened.clauses[first.key] == first and first.key in reopened.clauses
    assert "nothing#第一条" not in reopened.clauses and reopened.clauses.get("nothing#第一条") is None
    assert reopened.headers == [header_of(d) for d in expected]
    index.state.close()
    reopened.state.close()


def test_an_old_state_without_headers_is_migrated_once_and_answers_the_same(laws_assistant, laws_copy, embedder):
    drop_headers(laws_copy)
    settings = Settings(data_dir=laws_copy, corpus_dir=laws_assistant.settings.corpus_dir)
    index = PolicyIndex(settings, embedder)
    assert index.headers == [header_of(d) for d in laws_assistant.index.documents]
    with sqlite3.connect(state_path(laws_copy)) as db:
        assert db.execute("SELECT count(*) FROM headers").fetchone() == (6,)
    searcher = HybridSearcher.from_index(index)
    for question in UNNAMED + NAMED:
        assert hits_of(searcher, question) == hits_of(laws_assistant.searcher, question)
    index.state.close()
    reopened = PolicyIndex(settings, embedder)  # read from the stored headers this time
    assert reopened.headers == index.headers and reopened.materialized == 0
    reopened.state.close()


def test_a_read_only_old_state_gets_its_headers_in_memory(laws_assistant, laws_copy, embedder):
    drop_headers(laws_copy)
    before = listing(laws_copy)
    with read_only_mount(laws_copy):
        assistant = PolicyAssistant(
            Settings(data_dir=laws_copy, corpus_dir=laws_assistant.settings.corpus_dir), embedder=embedder
        )
        assert assistant.ensure_index() is None
        assert assistant.index.read_only is not None
        for question in UNNAMED + NAMED:
            assert hits_of(assistant.searcher, question) == hits_of(laws_assistant.searcher, question)
        assistant.index.state.close()
        assistant.index.passages.cache.close()
    assert listing(laws_copy) == before


def test_a_record_update_keeps_the_header_current(laws_copy, laws_assistant, embedder):
    settings = Settings(data_dir=laws_copy, corpus_dir=laws_assistant.settings.corpus_dir)
    index = PolicyIndex(settings, embedder)
    document = index.documents[0]
    changed = document.model_copy(update={"in_force": not document.in_force, "aliases": ["某个别名"]})
    index.state.update_record(changed)
    index.state.close()
    reopened = PolicyIndex(settings, embedder)
    header = reopened.header(document.doc_id)
    assert header is not None and header == header_of(changed)
    assert (header.in_force, header.aliases) == (changed.in_force, ["某个别名"])
    reopened.state.close()


def test_a_sync_lets_the_parsed_library_go_and_keeps_only_what_was_decoded(
    laws_assistant, laws_copy, embedder, tmp_path: Path
):
    # The parsed library is not held after a build (it would sit beside the lexical index being made, the peak of
    # a large build); what a reader had decoded and is still current stays decoded across a later sync.
    corpus = tmp_path / "corpus"
    shutil.copytree(laws_assistant.settings.corpus_dir, corpus)
    index = PolicyIndex(Settings(data_dir=laws_copy, corpus_dir=corpus), embedder)
    report = index.sync(corpus, rebuild=True)
    assert report.documents == 6 and report.embedded_texts == 0  # vectors from the copied cache
    assert index.materialized == 0
    searcher = HybridSearcher.from_index(index)
    for question in UNNAMED + NAMED:
        assert hits_of(searcher, question) == hits_of(laws_assistant.searcher, question)
    kept, changed = index.headers[0].doc_id, index.headers[1]
    assert index.document(kept).clauses == laws_assistant.index.document(kept).clauses  # decoded now
    assert index.document(changed.doc_id) is not None
    held = {h.doc_id for h in index.headers if index.catalog.held(h.doc_id)}
    path = corpus / Path(changed.path).name
    path.write_text(path.read_text("utf-8") + "\n", "utf-8")
    report = index.sync(corpus)
    assert report.updated == [changed.doc_id]
    assert {h.doc_id for h in index.headers if index.catalog.held(h.doc_id)} == held - {changed.doc_id}
    assert kept in held and index.materialized == len(held) - 1
    assert index.document(changed.doc_id).clauses == laws_assistant.index.document(changed.doc_id).clauses
    index.state.close()
