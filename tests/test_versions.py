"""Versions: same title, different dates; the newest is in force and the default, an older one is found by year."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest import load_corpus
from assistant.ingest.versions import find_version, version_mentions, versions_of

LAWS = Path(__file__).parent / "fixtures" / "laws"


@pytest.fixture(scope="module")
def documents():
    return load_corpus(LAWS).documents


def test_older_version_is_not_in_force_and_ids_stay_distinct(documents):
    trade = versions_of(documents, "对外贸易法")
    assert [(d.doc_id, d.version_date, d.in_force) for d in trade] == [
        ("对外贸易法-2016-11-07", "2016-11-07", False),
        ("对外贸易法-2022-12-30", "2022-12-30", True),
    ]
    assert trade[0].clauses[0].label == trade[1].clauses[0].label == "《对外贸易法》第一条"


def test_documents_with_one_version_are_in_force(documents):
    assert all(d.in_force for d in documents if "对外贸易法" not in d.title)


@pytest.mark.parametrize(
    "name", ["对外贸易法", "《对外贸易法》", "中华人民共和国对外贸易法", "《中华人民共和国对外贸易法》"]
)
def test_newest_version_by_default(documents, name):
    found = find_version(documents, name)
    assert found is not None and found.version_date == "2022-12-30"


@pytest.mark.parametrize(
    ("year", "date"),
    [(2016, "2016-11-07"), (2020, "2016-11-07"), (2022, "2022-12-30"), (2024, "2022-12-30"), (1990, "2016-11-07")],
)
def test_version_by_year(documents, year, date):
    found = find_version(documents, "对外贸易法", year)
    assert found is not None and found.version_date == date


def test_unknown_document_has_no_version(documents):
    assert find_version(documents, "种子法") is None
    assert versions_of(documents, "种子法") == []


def test_versions_are_marked_in_any_file_order(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("对外贸易法(2022-12-30).md", "对外贸易法(2016-11-07).md"):
        (corpus / f"z-{name}" if "2022" in name else corpus / name).write_bytes((LAWS / name).read_bytes())
    in_force = {d.doc_id: d.in_force for d in load_corpus(corpus).documents}
    assert in_force == {"对外贸易法-2016-11-07": False, "z-对外贸易法-2022-12-30": True}


@pytest.mark.parametrize(
    ("question", "mentions"),
    [
        ("2016年版《对外贸易法》第十条是怎么规定的？", [("对外贸易法", 2016)]),
        ("《对外贸易法》第十条是怎么规定的？", [("对外贸易法", None)]),
        ("2016年修正的《对外贸易法》和《海关法》有什么不同？", [("对外贸易法", 2016), ("海关法", None)]),
        ("对外贸易经营者要备案吗？", []),
    ],
)
def test_version_mentions_in_a_question(question, mentions):
    assert version_mentions(question) == mentions


def test_a_mentioned_year_finds_the_older_version(documents):
    ((name, year),) = version_mentions("2016年版《对外贸易法》第十条是怎么规定的？")
    found = find_version(documents, name, year)
    assert found is not None and found.doc_id == "对外贸易法-2016-11-07" and not found.in_force


CODE_PARTS = Path(__file__).parent / "fixtures" / "code_parts"


def test_the_files_of_a_code_split_by_volume_are_all_in_force_and_name_their_volume():
    documents = {d.doc_id: d for d in load_corpus(CODE_PARTS).documents}
    assert sorted(documents) == ["继承编", "附则"]
    for document in documents.values():
        assert (document.title, document.in_force) == ("中华人民共和国民法典", True)
    assert [c.clause for c in documents["附则"].clauses] == ["第一千二百五十九条", "第一千二百六十条"]  # no "##" clause
    inheritance = documents["继承编"].clauses
    assert (inheritance[0].clause, inheritance[0].part) == ("第一千一百一十九条", "继承编 / 第一章\u2002\u2002一般规定")
    assert inheritance[0].label == "《民法典》第一千一百一十九条"
    assert {c.part for c in documents["附则"].clauses} == {"附则"}


def test_a_newer_version_of_one_volume_replaces_that_volume_only(tmp_path: Path):
    for path in CODE_PARTS.glob("民法典/*.md"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    older = (tmp_path / "附则.md").read_text(encoding="utf-8")
    (tmp_path / "附则(2030-01-01).md").write_text(
        older.replace("2021年1月1日 施行", "2030年1月1日 施行"), encoding="utf-8"
    )
    in_force = {d.doc_id: d.in_force for d in load_corpus(tmp_path).documents}
    assert in_force == {"继承编": True, "附则": False, "附则-2030-01-01": True}
