"""Retrieval over several real laws: named articles first, named documents restrict, superseded versions left out."""

from __future__ import annotations

import pytest

from assistant.retrieve import SearchFilter
from assistant.service import PolicyAssistant

YANYE = "烟叶税法-2017-12-27"
CHECHUAN = "车船税法-2019-04-23"
CHECHUAN_RULES = "车船税法实施条例-2019-03-02"
HOLIDAYS_2013 = "全国年节及纪念日放假办法-2013-12-11"
HOLIDAYS_2024 = "全国年节及纪念日放假办法-2024-11-10"


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("《烟叶税法》第四条是怎么规定的？", f"{YANYE}#第四条"),
        ("烟叶税法第十条", f"{YANYE}#第十条"),
        ("车船税法第7条说了什么", f"{CHECHUAN}#第七条"),
        ("《车船税法实施条例》第二十条规定了什么？", f"{CHECHUAN_RULES}#第二十条"),
    ],
)
def test_named_article_is_ranked_first(laws_assistant: PolicyAssistant, question, key):
    hits = laws_assistant.search(question).hits

    assert hits[0].key == key


def test_bare_article_is_ranked_first_when_the_search_is_limited_to_one_document(laws_assistant: PolicyAssistant):
    hits = laws_assistant.search("第九条是怎么规定的？", where=SearchFilter(doc_ids=(YANYE,))).hits

    assert hits[0].key == f"{YANYE}#第九条"


def test_named_document_weighs_decisively(laws_assistant: PolicyAssistant):
    # The law and its implementing regulation both speak of 扣缴义务人 in near-identical words.
    hits = laws_assistant.search("车船税法实施条例对扣缴义务人有哪些规定？").hits

    assert [h.doc_id for h in hits[:3]] == [CHECHUAN_RULES] * 3


def test_identical_wording_is_told_apart_by_the_named_document(laws_assistant: PolicyAssistant):
    # 取得车船所有权或者管理权的当月: the law's 第八条, quoted again in the regulation's 第二十一条.
    for name, key in (("车船税法", f"{CHECHUAN}#第八条"), ("车船税法实施条例", f"{CHECHUAN_RULES}#第二十一条")):
        hits = laws_assistant.search(f"{name}对取得车船所有权或者管理权的当月有什么规定？").hits

        assert hits[0].key == key


def test_without_a_named_document_both_documents_are_searched(laws_assistant: PolicyAssistant):
    hits = laws_assistant.search("车船税的扣缴义务人有哪些规定？", k=10).hits

    assert {CHECHUAN, CHECHUAN_RULES} <= {h.doc_id for h in hits}


def test_superseded_version_is_left_out_unless_named(laws_assistant: PolicyAssistant):
    current = laws_assistant.search("春节放假几天？").hits
    named = laws_assistant.search("2013年版《全国年节及纪念日放假办法》规定春节放假几天？").hits

    assert current[0].key == f"{HOLIDAYS_2024}#第二条"
    assert HOLIDAYS_2013 not in {h.doc_id for h in current}
    assert named[0].doc_id == HOLIDAYS_2013
    assert f"{HOLIDAYS_2013}#第二条" in [h.key for h in named[:3]]


def test_hits_carry_the_document_kind_version_and_status(laws_assistant: PolicyAssistant):
    found = laws_assistant.search("《烟叶税法》第四条是怎么规定的？").hits[0]
    assert (found.doc_title, found.doc_kind, found.version_date, found.in_force) == (
        "中华人民共和国烟叶税法",
        "法律",
        "2017-12-27",
        True,
    )
    older = laws_assistant.search("2013年版《全国年节及纪念日放假办法》第二条").hits[0]
    assert (older.doc_id, older.version_date, older.in_force) == (HOLIDAYS_2013, "2013-12-11", False)
