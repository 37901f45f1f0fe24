"""Hybrid retrieval on the shipped directive: paraphrases, exact terms, filters and the LangChain retriever."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document as LCDocument

from assistant.errors import UserError
from assistant.retrieve import PolicyRetriever, SearchFilter
from tests.conftest import DIRECTIVE_ID


def clauses(result) -> list[str]:
    return [hit.clause for hit in result.hits]


def test_paraphrased_elderly_care_question_finds_clause_25(directive_only_assistant):
    result = directive_only_assistant.search("老年人照护有哪些安排？", k=5)
    assert clauses(result)[0] == "二十五"
    assert result.hits[0].label == "《指导意见》六、（二十五）健全养老服务体系"


def test_exact_term_river_chief_finds_clause_16(directive_only_assistant):
    result = directive_only_assistant.search("河长制", k=5)
    assert clauses(result)[0] == "十六"
    assert "全面推进河长制、湖长制" in result.hits[0].text


def test_city_name_finds_both_clauses_that_mention_it(directive_only_assistant):
    # Clause 十五 spells it 乌鲁齐 (a typo cut by a page break); bigrams still reach it.
    top3 = clauses(directive_only_assistant.search("乌鲁木齐", k=3))
    assert "十" in top3
    assert "十五" in top3


def test_income_tax_question_finds_clause_30(directive_only_assistant):
    result = directive_only_assistant.search("企业所得税优惠", k=5)
    assert clauses(result)[0] == "三十"
    assert "鼓励类产业企业所得税优惠" in result.hits[0].text


@pytest.mark.parametrize("query", ["老年人照护有哪些安排？", "河长制", "乌鲁木齐", "企业所得税优惠"])
def test_hits_are_ranked_distinct_clauses_with_per_retriever_scores(directive_only_assistant, query):
    result = directive_only_assistant.search(query, k=5)
    assert result.query == query
    assert [hit.rank for hit in result.hits] == [1, 2, 3, 4, 5]
    assert len({hit.key for hit in result.hits}) == 5
    assert [hit.score for hit in result.hits] == sorted((hit.score for hit in result.hits), reverse=True)
    for hit in result.hits:
        assert {"dense", "bm25"} <= set(hit.scores)
        assert hit.doc_id == DIRECTIVE_ID
        assert hit.doc_title == "中共中央国务院关于新时代推进西部大开发形成新格局的指导意见"
        assert hit.text == directive_only_assistant.index.clauses[hit.key].text
        assert hit.score > 0


def test_exact_term_hit_has_both_dense_and_bm25_scores(directive_only_assistant):
    top = directive_only_assistant.search("河长制", k=1).hits[0]
    assert top.scores["bm25"] is not None and top.scores["bm25"] > 0
    assert top.scores["dense"] is not None and 0 < top.scores["dense"] <= 1


def test_k_limits_the_number_of_hits(directive_only_assistant):
    assert len(directive_only_assistant.search("养老", k=2).hits) == 2
    assert len(directive_only_assistant.search("养老").hits) == directive_only_assistant.settings.retrieval.k


def test_part_filter_returns_only_clauses_of_that_part(directive_only_assistant):
    result = directive_only_assistant.search("支持政策", k=8, where=SearchFilter(parts=("七",)))
    assert len(result.hits) == 8
    assert all(hit.part.startswith("七、") for hit in result.hits)
    assert set(clauses(result)) <= {"二十九", "三十", "三十一", "三十二", "三十三", "三十四", "三十五", "三十六"}


def test_part_filter_by_full_heading(directive_only_assistant):
    heading = "四、加大美丽西部建设力度,筑牢国家生态安全屏障"
    result = directive_only_assistant.search("河长制", k=5, where=SearchFilter(parts=(heading,)))
    assert clauses(result) and clauses(result)[0] == "十六"
    assert {hit.part for hit in result.hits} == {heading}


def test_unknown_document_filter_is_refused_naming_the_known_documents(directive_only_assistant):
    with pytest.raises(UserError) as refused:
        directive_only_assistant.search("养老服务", k=5, where=SearchFilter(doc_ids=("nope",)))
    assert "nope" in str(refused.value) and DIRECTIVE_ID in str(refused.value)


def test_document_filter_with_the_directive_id_keeps_results(directive_only_assistant):
    result = directive_only_assistant.search("河长制", k=3, where=SearchFilter(doc_ids=(DIRECTIVE_ID,)))
    assert clauses(result)[0] == "十六"


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_refused_in_chinese(directive_only_assistant, question):
    with pytest.raises(UserError, match="问题为空，请输入要查询的内容。"):
        directive_only_assistant.search(question)


def test_overlong_question_is_refused_in_chinese(directive_only_assistant):
    with pytest.raises(UserError, match="问题过长（501 字），请精简到 500 字以内。"):
        directive_only_assistant.search("养" * 501)


def test_langchain_retriever_returns_clause_documents(directive_only_assistant):
    retriever = PolicyRetriever(searcher=directive_only_assistant.searcher, k=3)
    documents = retriever.invoke("河长制")
    assert len(documents) == 3
    assert all(isinstance(d, LCDocument) for d in documents)
    top = documents[0]
    assert top.metadata["clause"] == "十六"
    assert top.metadata["label"] == "《指导意见》四、（十六）加快推进西部地区绿色发展"
    assert top.id == f"{DIRECTIVE_ID}#十六"
    for document in documents:
        assert document.metadata["doc_id"] == DIRECTIVE_ID
        clause = directive_only_assistant.index.clauses[f"{DIRECTIVE_ID}#{document.metadata['clause']}"]
        assert document.page_content == clause.text
        assert document.metadata["label"] == clause.label
    assert [d.metadata["rank"] for d in documents] == [1, 2, 3]


def test_langchain_retriever_applies_its_filter(directive_only_assistant):
    retriever = PolicyRetriever(searcher=directive_only_assistant.searcher, k=3, where=SearchFilter(parts=("七",)))
    documents = retriever.invoke("河长制")
    assert len(documents) == 3
    assert all(d.metadata["part"] == "七、加强政策支持和组织保障" for d in documents)
