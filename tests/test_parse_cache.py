"""The parse cache: a sync parses only new and changed files, distrusts damaged rows, and cross-document
metadata (which version is in force, unique short titles) stays right when only some files are parsed."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from assistant.index import PolicyIndex
from assistant.ingest import load_corpus
from assistant.ingest.cache import ParseCache, parser_version
from assistant.settings import IngestSettings, Settings
from assistant.store import SCHEMA_VERSION
from tests.conftest import write_doc

OLD = """# 中华人民共和国防汛条例

第一条 为了做好防汛抗洪工作，制定本条例。

第二条 防汛工作实行行政首长负责制。
"""
NEW = """# 中华人民共和国防汛条例

第一条 为了做好防汛抗洪工作，保障人民生命财产安全，制定本条例。

第二条 防汛工作实行各级人民政府行政首长负责制。
"""
FLOOD = """关于做好防汛工作的通知

（一）压实防汛责任。各级政府要落实防汛抗旱行政首长负责制。
"""
CARE = """关于加强社区养老服务的通知

（一）发展居家养老。社区要为老年人提供助餐和助浴服务。
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_doc(folder, "防汛条例(2005-07-15).md", OLD)
    write_doc(folder, "防汛条例(2011-01-08).md", NEW)
    write_doc(folder, "flood.txt", FLOOD)
    write_doc(folder, "care.txt", CARE)
    return folder


@pytest.fixture
def index(tmp_path: Path, corpus: Path, embedder) -> PolicyIndex:
    return PolicyIndex(Settings(data_dir=tmp_path / "data", corpus_dir=corpus), embedder)


def new_cache(tmp_path: Path) -> ParseCache:
    return ParseCache(tmp_path / "parsed.sqlite3", parser_version(SCHEMA_VERSION, IngestSettings()))


def in_force(index: PolicyIndex) -> dict[str, bool]:
    return {d.doc_id: d.in_force for d in index.documents}


def test_a_sync_parses_only_new_and_changed_files(index, corpus):
    assert index.sync().parsed_files == 4
    assert index.sync().parsed_files == 0

    stamp = (corpus / "flood.txt").stat()
    os.utime(corpus / "flood.txt", ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))
    touched = index.sync()
    assert touched.parsed_files == 1
    assert touched.updated == [] and touched.embedded_texts == 0  # same bytes: parsed again, not re-indexed

    write_doc(corpus, "flood.txt", FLOOD + "\n（二）储备防汛物资。各地要提前储备沙袋。\n")
    write_doc(corpus, "new.txt", CARE.replace("社区养老", "农村养老"))
    changed = index.sync()
    assert changed.parsed_files == 2
    assert changed.updated == ["flood"] and changed.added == ["new"]
    assert "flood#二" in index.clauses


def test_a_fresh_process_reuses_the_cache(index, tmp_path, corpus, embedder):
    index.sync()
    again = PolicyIndex(Settings(data_dir=tmp_path / "data", corpus_dir=corpus), embedder)
    report = again.sync()
    assert report.parsed_files == 0 and not report.changed
    assert again.clauses.keys() == index.clauses.keys()


def test_rebuild_parses_every_file(index):
    index.sync()
    assert index.sync(rebuild=True).parsed_files == 4


def test_damaged_rows_are_parsed_again(tmp_path, corpus):
    cache = new_cache(tmp_path)
    expected = load_corpus(corpus, cache=cache).documents
    assert cache.parsed == 4
    with sqlite3.connect(tmp_path / "parsed.sqlite3") as db:
        paths = [bytes(p) for (p,) in db.execute("SELECT path FROM parsed ORDER BY path")]
        record, light = paths[0], paths[1]
        db.execute("UPDATE parsed SET record = substr(record, 1, 20) WHERE path = ?", (record,))
        db.execute("UPDATE parsed SET doc_id = 'someone-else' WHERE path = ?", (light,))
    cache.close()

    again = new_cache(tmp_path)
    documents = load_corpus(corpus, cache=again).documents
    assert again.parsed == 2 and again.reused == 2
    assert [d.model_dump() for d in documents] == [d.model_dump() for d in expected]
    third = new_cache(tmp_path)
    load_corpus(corpus, cache=third)
    assert third.parsed == 0  # the re-parsed rows were written back


def test_a_cache_file_that_is_not_a_database_is_replaced(tmp_path, corpus):
    (tmp_path / "parsed.sqlite3").write_bytes(b"not a database at all" * 100)
    cache = new_cache(tmp_path)
    assert len(load_corpus(corpus, cache=cache).documents) == 4
    assert cache.parsed == 4
    assert load_corpus(corpus, cache=new_cache(tmp_path)).documents


def test_a_changed_parser_version_parses_again(tmp_path, corpus):
    load_corpus(corpus, cache=new_cache(tmp_path))
    stricter = ParseCache(tmp_path / "parsed.sqlite3", parser_version(SCHEMA_VERSION, IngestSettings(max_chars=5000)))
    load_corpus(corpus, cache=stricter)
    assert stricter.parsed == 4


def test_read_errors_are_kept_but_transient_ones_are_retried(tmp_path, corpus):
    hurried = IngestSettings(time_budget_seconds=1e-9)
    slow = ParseCache(tmp_path / "slow.sqlite3", parser_version(SCHEMA_VERSION, hurried))
    assert len(load_corpus(corpus, limits=hurried, cache=slow).errors) == 4
    load_corpus(corpus, limits=hurried, cache=slow)
    assert slow.parsed == 8  # nothing kept: a time limit depends on the machine's load

    write_doc(corpus, "empty.txt", "")
    cache = new_cache(tmp_path)
    first = load_corpus(corpus, cache=cache)
    assert [Path(e.path).name for e in first.errors] == ["empty.txt"]
    second = new_cache(tmp_path)
    assert [Path(e.path).name for e in load_corpus(corpus, cache=second).errors] == ["empty.txt"]
    assert second.parsed == 0


def test_version_in_force_follows_when_only_one_version_file_changes(index, tmp_path, corpus, embedder):
    index.sync()
    assert in_force(index)["防汛条例-2011-01-08"] and not in_force(index)["防汛条例-2005-07-15"]

    newest = corpus / "防汛条例(2011-01-08).md"
    newest.unlink()
    report = index.sync()
    assert report.parsed_files == 0 and report.removed == ["防汛条例-2011-01-08"]
    assert in_force(index)["防汛条例-2005-07-15"]

    write_doc(corpus, "防汛条例(2011-01-08).md", NEW)
    assert index.sync().parsed_files == 1
    assert in_force(index)["防汛条例-2011-01-08"] and not in_force(index)["防汛条例-2005-07-15"]
    reopened = PolicyIndex(Settings(data_dir=tmp_path / "data", corpus_dir=corpus), embedder)
    assert in_force(reopened) == in_force(index)


def test_short_title_comes_back_when_the_other_document_of_that_name_goes(index, tmp_path, corpus, embedder):
    index.sync()
    # Two 通知 in one corpus: each is cited by its full title.
    assert index.clauses["flood#一"].label.startswith("《关于做好防汛工作的通知》")

    (corpus / "care.txt").unlink()
    assert index.sync().parsed_files == 0
    assert index.clauses["flood#一"].label.startswith("《通知》")
    assert index.document("flood").short_title == "通知"
    reopened = PolicyIndex(Settings(data_dir=tmp_path / "data", corpus_dir=corpus), embedder)
    assert reopened.clauses["flood#一"].label.startswith("《通知》")


def test_one_article_change_rewrites_metadata_but_only_the_changed_vectors(index, corpus):
    index.sync()
    newest = corpus / "防汛条例(2011-01-08).md"
    write_doc(corpus, newest.name, NEW.replace("制定本条例。", "制定本条例，并接受社会监督。"))
    report = index.sync()
    assert report.updated == ["防汛条例-2011-01-08"]
    document = index.document("防汛条例-2011-01-08")
    stored = index.store.chunks.get(where={"doc_id": document.doc_id}, include=["documents", "metadatas"])
    assert {m["sha256"] for m in stored["metadatas"]} == {document.sha256}
    assert sorted(stored["documents"]) == sorted(c.text for c in document.clauses)
