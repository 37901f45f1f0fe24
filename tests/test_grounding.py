"""Claim-level grounding against the directive's parsed clauses (no index): hand-written expectations."""

from __future__ import annotations

import pytest

from assistant.grounding import UNVERIFIED_MARK, clause_refs, facts, ground, is_refusal, unsupported_facts
from assistant.ingest import load_document
from assistant.types import Clause
from tests.conftest import DIRECTIVE

ELDER_QUOTE = "加快构建以居家为基础、社区为依托、机构为补充、医养相结合的养老服务体系"


@pytest.fixture(scope="module")
def clauses() -> dict[str, Clause]:
    return {c.clause: c for c in load_document(DIRECTIVE).clauses}


@pytest.fixture(scope="module")
def sources(clauses) -> list[Clause]:
    """What the prompt would number [1] and [2]."""
    return [clauses["二十五"], clauses["二十三"]]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("中央财政安排专项资金500亿元。", ["500"]),
        ("到2035年基本实现现代化。", ["2035"]),
        ("比例提高到15%。", ["15%"]),
        ("每人每月补贴一千元。", ["一千"]),
        ("根据第（二十五）条[1]，要健全养老服务体系。", []),
        ("要加快养老服务体系建设。", []),
    ],
)
def test_numbers_a_sentence_states(sentence, expected):
    assert [f for f in facts(sentence) if any(ch.isdigit() or ch in "一二三四五六七八九十百千" for ch in f)] == expected


def test_a_place_the_clause_does_not_name_is_unsupported(clauses):
    assert "重庆" in unsupported_facts("重庆要全面放开养老服务市场。", [clauses["二十五"]])
    assert unsupported_facts("要全面放开养老服务市场。", [clauses["二十五"]]) == []


def test_clause_labels_map_to_the_sources_given(sources):
    assert clause_refs("根据第（二十五）条", sources) == ([1], [])
    assert clause_refs("《指导意见》第二十三条", sources) == ([2], [])
    assert clause_refs("《社会保险法》第二十三条", sources) == ([], ["《社会保险法》第二十三条"])
    assert clause_refs("第（五十）条", sources) == ([], ["第（五十）条"])


@pytest.mark.parametrize(
    "text",
    [
        "文件中没有找到相关规定。",
        "文件中没有相关规定。",
        "所给条款未涉及补贴标准。",
        "The documents do not mention it.",
    ],
)
def test_refusals_are_recognised_by_meaning(text):
    assert is_refusal(text)


def test_a_statement_is_not_a_refusal():
    assert not is_refusal("要全面放开养老服务市场。")


def test_verified_and_made_up_claims_side_by_side(sources):
    grounded = ground(
        f"要“{ELDER_QUOTE}”[1]。国家每月补贴一千元[1]。医疗方面“支持在西部地区建立若干区域医疗中心”[2]。", sources
    )

    assert [c.supported for c in grounded.claims] == [True, False, True]
    assert [c.citations for c in grounded.claims] == [[1], [1], [2]]
    assert grounded.text == (
        f"要“{ELDER_QUOTE}”[1]。国家每月补贴一千元[1]。{UNVERIFIED_MARK}医疗方面“支持在西部地区建立若干区域医疗中心”[2]。"
    )
    assert [(c.n, c.verified) for c in grounded.citations] == [(1, True), (2, True)]


def test_a_quote_is_checked_against_the_clause_it_cites_not_another(sources):
    grounded = ground("“支持在西部地区建立若干区域医疗中心”[1]。", sources)

    assert grounded.claims[0].supported is False
    assert grounded.citations[0].verified is False


def test_one_of_several_cited_clauses_is_enough_for_a_quote(sources):
    grounded = ground("“支持在西部地区建立若干区域医疗中心”[1][2]。", sources)

    assert grounded.claims[0].supported is True
    assert grounded.citations[0].n == 2


def test_own_words_are_shown_with_the_source_sentence_they_restate(sources, clauses):
    grounded = ground("文件要求全面放开养老服务市场[1]。", sources)

    assert grounded.claims[0].supported is True
    (citation,) = grounded.citations
    assert citation.verified is True
    assert "全面放开养老服务市场" in citation.quote
    assert clauses["二十五"].text[citation.start : citation.end] == citation.quote


def test_markers_of_unknown_clauses_are_removed_and_their_claim_unsupported(sources):
    grounded = ground(f"要“{ELDER_QUOTE}”[1]。另有规定[7]。", sources)

    assert grounded.invalid == ["[7]"]
    assert "[7]" not in grounded.text
    assert grounded.claims[1].supported is False


def test_no_verified_claim_plus_a_refusal_sentence_is_a_refusal(sources):
    grounded = ground("文件中没有找到补贴金额的规定。另据“国家每月发放一千元”[1]。", sources)

    assert grounded.refused is True
    assert grounded.refusal_text == "文件中没有找到补贴金额的规定。"


def test_a_partial_answer_with_a_refusal_sentence_is_not_a_refusal(sources):
    grounded = ground(f"要“{ELDER_QUOTE}”[1]。文件中没有找到补贴金额的规定。", sources)

    assert grounded.refused is False
    assert grounded.claims[0].supported is True


def test_truncated_last_sentence_is_unsupported(sources):
    grounded = ground(f"要“{ELDER_QUOTE}”[1]。还要“全面放", sources, truncated=True)

    assert [c.supported for c in grounded.claims] == [True, False]
    assert grounded.claims[1].reason is not None
