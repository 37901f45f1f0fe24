"""The real-law development set and its checker: gold (document, article) pairs exist in the copied corpus,
key facts stand verbatim in a gold article, the set covers the question kinds issue 9 asks for, and the
checker catches a wrong gold even where two documents share the article number."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from assistant.evals.datasets import dataset_corpus, dataset_meta, load_dataset, qualify_gold
from assistant.evals.goldcheck import check_against_corpus, check_raw, parsed_clauses, raw_articles
from assistant.ingest import corpus_files, doc_id_for
from tests.conftest import REPO

LAWS_DEV = REPO / "evals" / "datasets" / "laws_dev.jsonl"
LAWS = REPO / "evals" / "corpora" / "laws"
YANGTZE = "长江保护法-2020-12-26"
YELLOW = "黄河保护法-2022-10-30"


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def two_rivers(tmp_path_factory) -> Path:
    """长江保护法 and 黄河保护法: two laws that both have a 第十条, a 第二十八条 …"""
    folder = tmp_path_factory.mktemp("rivers")
    for name in ("长江保护法(2020-12-26).md", "黄河保护法(2022-10-30).md"):
        shutil.copy2(LAWS / name, folder / name)
    return folder


def test_the_dataset_names_its_corpus_in_a_sidecar():
    assert dataset_meta(LAWS_DEV).gate is True
    assert dataset_corpus(LAWS_DEV) == LAWS.resolve()


def test_the_copied_corpus_holds_twenty_documents_with_versions_and_shared_topics():
    ids = [doc_id_for(p) for p in corpus_files(LAWS)]
    assert len(ids) == 20
    assert {"对外贸易法-2016-11-07", "对外贸易法-2022-12-30", "会计法-2017-11-04", "会计法-2024-06-28"} <= set(ids)
    assert {YANGTZE, YELLOW} <= set(ids)


def test_laws_dev_has_at_least_80_questions_covering_every_kind():
    dataset = load_dataset(LAWS_DEV)
    kinds = Counter(i.type for i in dataset.items)
    assert len(dataset) >= 80
    for kind in ("article_lookup", "paraphrase", "multi_clause", "named_document", "unanswerable"):
        assert kinds[kind] >= 10, kind
    unanswerable = kinds["unanswerable"] / len(dataset.items)
    assert 0.10 <= unanswerable <= 0.20
    # Some two-article questions span two documents.
    across = [i for i in dataset.items if len({g.split("#")[0] for g in i.gold_clauses}) > 1]
    assert len(across) >= 3


def test_laws_dev_checks_clean_against_parser_and_raw_text():
    assert check_against_corpus(load_dataset(LAWS_DEV), LAWS) == []


def test_raw_articles_split_on_article_lines_and_stop_at_headings():
    text = "# 某法\n\n<!-- INFO END -->\n\n## 第一章　总则\n\n第一条 为了甲，制定本法。\n\n本法所称乙。\n\n第二条 丙。\n\n## 第二章\n\n正文外。\n\n第二条之一 丁。\n"
    articles = raw_articles(text)
    assert list(articles) == ["第一条", "第二条", "第二条之一"]
    assert articles["第一条"] == "第一条 为了甲，制定本法。\n本法所称乙。"
    assert articles["第二条"] == "第二条 丙。"  # the chapter heading ends it; 正文外 is not in it


def test_checker_refuses_a_fact_that_stands_in_the_same_article_number_of_another_law(tmp_path, two_rivers):
    # Both laws have a 第六十九条; the fact stands in 黄河保护法's, not in 长江保护法's.
    item = {
        "id": "x-1",
        "question": "长江保护法对河道采砂怎么规定？",
        "gold_clauses": [f"{YANGTZE}#第六十九条"],
        "key_facts": ["国家实行黄河流域河道采砂规划和许可制度"],
    }
    problems = check_against_corpus(load_dataset(write_jsonl(tmp_path / "x.jsonl", [item])), two_rivers)
    assert [p.item_id for p in problems] and all(p.item_id == "x-1" for p in problems)
    assert any("逐字" in p.message for p in problems)
    fixed = {**item, "gold_clauses": [f"{YELLOW}#第六十九条"]}
    assert check_against_corpus(load_dataset(write_jsonl(tmp_path / "y.jsonl", [fixed])), two_rivers) == []


def test_checker_reports_an_article_the_law_does_not_have(tmp_path, two_rivers):
    item = {"id": "x-3", "question": "？", "gold_clauses": [f"{YANGTZE}#第九十条"], "key_facts": ["长江"]}
    problems = check_raw(load_dataset(write_jsonl(tmp_path / "x.jsonl", [item])), two_rivers)
    assert [p.message for p in problems] == [f"原文中找不到条文“{YANGTZE}#第九十条”"]  # this text stops at 第七十九条


def test_checker_reports_a_fact_not_verbatim_in_its_gold_article(tmp_path, two_rivers):
    item = {
        "id": "x-2",
        "question": "长江流域国土空间怎么管？",
        "gold_clauses": [f"{YANGTZE}#第二十条"],
        "key_facts": ["国家对长江流域国土空间实行用途管制"],  # the law says 实施, not 实行
    }
    problems = check_raw(load_dataset(write_jsonl(tmp_path / "x.jsonl", [item])), two_rivers)
    assert len(problems) == 1 and "逐字" in problems[0].message


def test_a_bare_article_number_shared_by_two_laws_is_not_qualified(two_rivers):
    clauses = parsed_clauses(two_rivers)
    assert qualify_gold(["第十条"], clauses) == ["第十条"]  # ambiguous: left for the checker to refuse
    assert qualify_gold([f"{YELLOW}#第十条"], clauses) == [f"{YELLOW}#第十条"]
    assert qualify_gold(["第一百零二条"], clauses) == [f"{YELLOW}#第一百零二条"]  # only 黄河保护法 has it


def test_check_dataset_script_exits_nonzero_on_a_bad_item(tmp_path, two_rivers):
    from evals.check_dataset import main

    good = {"id": "g", "question": "？", "gold_clauses": [f"{YELLOW}#第八条"], "key_facts": ["以水定城"]}
    bad = {"id": "b", "question": "？", "gold_clauses": [f"{YELLOW}#第八条"], "key_facts": ["以水定城市"]}
    assert main([str(write_jsonl(tmp_path / "g.jsonl", [good])), "--corpus", str(two_rivers)]) == 0
    assert main([str(write_jsonl(tmp_path / "b.jsonl", [bad])), "--corpus", str(two_rivers)]) == 1
