"""Citation parsing and verbatim verification against the directive's real clause texts."""

from __future__ import annotations

import pytest

from assistant.cite import (
    MIN_QUOTE_CHARS,
    highlight_spans,
    locate_quote,
    make_citation,
    normalize_markers,
    parse_marked_text,
    quote_fragments,
    strip_markers,
)
from assistant.service import PolicyAssistant
from assistant.types import Clause
from tests.conftest import DIRECTIVE_ID


@pytest.fixture(scope="module")
def clause(directive_assistant: PolicyAssistant):
    """Look up a clause of the directive by its number, e.g. clause("十五")."""

    def lookup(number: str) -> Clause:
        return directive_assistant.index.clauses[f"{DIRECTIVE_ID}#{number}"]

    return lookup


def test_verbatim_quote_is_verified_at_its_offsets(clause):
    elder = clause("二十五")
    quote = "探索建立长期照护保障体系"

    citation = make_citation(1, elder, quote)

    assert citation.verified is True
    assert citation.start is not None and citation.end is not None
    assert elder.text[citation.start : citation.end] == quote
    assert (citation.doc_id, citation.clause, citation.label) == (DIRECTIVE_ID, "二十五", elder.label)


def test_quote_not_in_clause_is_not_verified(clause):
    citation = make_citation(1, clause("二十五"), "国家为每位西部老人每月发放一千元养老补贴")

    assert citation.verified is False
    assert (citation.start, citation.end) == (None, None)


def test_quote_from_another_clause_is_not_verified_here(clause):
    quote = "支持在西部地区建立若干区域医疗中心"

    assert locate_quote(quote, clause("二十三").text) is not None
    assert locate_quote(quote, clause("二十五").text) is None


def test_full_width_comma_in_quote_matches_ascii_comma_in_source(clause):
    elder = clause("二十五")
    assert "建设,全面放开" in elder.text  # the source uses an ASCII comma

    match = locate_quote("稳步推进公办养老机构改革和建设，全面放开养老服务市场", elder.text)

    assert match is not None
    assert elder.text[match.start : match.end] == "稳步推进公办养老机构改革和建设,全面放开养老服务市场"


def test_full_width_brackets_match_ascii_brackets_in_source(clause):
    medical = clause("二十三")
    assert "县级(含兵团团场)医院" in medical.text

    assert locate_quote("县级（含兵团团场）医院综合能力建设", medical.text) is not None


def test_straight_quotes_match_curly_quotes_in_source(clause):
    assert locate_quote('支持宁夏建设"互联网+医疗健康"示范区', clause("二十三").text) is not None


def test_whitespace_inside_a_quote_is_ignored(clause):
    assert locate_quote("探索建立 长期照护\n保障体系", clause("二十五").text) is not None


def test_quote_spanning_a_page_break_is_verified(clause):
    pollution = clause("十五")
    assert pollution.joins  # the source breaks the page inside 乌鲁齐

    match = locate_quote("乌鲁齐及周边地区", pollution.text)

    assert match is not None
    assert any(match.start < join < match.end for join in pollution.joins)


def test_corrected_spelling_of_a_source_typo_is_not_verified(clause):
    # The source says 乌鲁齐 (sic) in clause 十五; a quote must keep the source's own characters.
    assert locate_quote("乌鲁木齐", clause("十五").text) is None
    assert locate_quote("乌鲁木齐及周边地区", clause("十五").text) is None
    assert locate_quote("乌鲁木齐", clause("十").text) is not None


@pytest.mark.parametrize("quote", ["养老", "养老服", "“养老”", "……"])
def test_quote_shorter_than_the_minimum_is_not_verified(clause, quote):
    assert quote.strip("“”…") in clause("二十五").text
    assert locate_quote(quote, clause("二十五").text) is None
    assert make_citation(1, clause("二十五"), quote).verified is False


def test_quote_of_exactly_the_minimum_length_is_verified(clause):
    quote = "养老服务"
    assert len(quote) == MIN_QUOTE_CHARS

    assert locate_quote(quote, clause("二十五").text) is not None


@pytest.mark.parametrize("ellipsis", ["……", "…", "..."])
def test_fragments_joined_by_an_ellipsis_are_not_verified_as_one_quote(clause, ellipsis):
    # An ellipsis join is not verification: each fragment is checked as a quotation of its own.
    elder = clause("二十五")
    first, last = "加快构建以居家为基础", "探索建立长期照护保障体系"

    assert locate_quote(f"{first}{ellipsis}{last}", elder.text) is None
    assert quote_fragments(f"{first}{ellipsis}{last}") == [first, last]
    assert all(locate_quote(f, elder.text) is not None for f in quote_fragments(f"{first}{ellipsis}{last}"))


def test_single_characters_joined_by_ellipses_never_verify(clause):
    quote = "养……老……机……构……"

    assert locate_quote(quote, clause("二十五").text) is None
    assert all(locate_quote(f, clause("二十五").text) is None for f in quote_fragments(quote))


def test_full_stop_the_model_adds_inside_the_quote_is_tolerated(clause):
    # The source goes on with a comma after 建设; the model closed its quote with 。
    elder = clause("二十五")
    assert "改革和建设,全面" in elder.text

    match = locate_quote("稳步推进公办养老机构改革和建设。", elder.text)

    assert match is not None
    assert elder.text[match.start : match.end] == "稳步推进公办养老机构改革和建设"


def test_citation_strips_the_surrounding_quote_marks(clause):
    citation = make_citation(2, clause("二十五"), " “全面放开养老服务市场” ")

    assert citation.quote == "全面放开养老服务市场"
    assert citation.verified is True
    assert citation.n == 2


def test_parse_marked_text_splits_sentences_with_their_markers_and_quotes():
    text = "要“全面放开养老服务市场”[1]。还要“加快补齐3岁以下婴幼儿照护服务短板”[2][3]。\n没有标注的一行\n结论在前。[4]"

    sentences = parse_marked_text(text)

    assert [(s.markers, s.quotes) for s in sentences] == [
        ((1,), ("全面放开养老服务市场",)),
        ((2, 3), ("加快补齐3岁以下婴幼儿照护服务短板",)),
        ((), ()),
        ((4,), ()),
    ]
    assert sentences[0].text == "要“全面放开养老服务市场”[1]。"
    assert sentences[2].text == "没有标注的一行"
    assert sentences[3].text == "结论在前。[4]"


def test_strip_markers_removes_only_the_named_numbers():
    assert strip_markers("甲[1]。乙[9]。丙[1][12]。", {9, 12}) == "甲[1]。乙。丙[1]。"


def test_highlight_spans_merges_overlapping_verified_quotes(clause):
    elder, medical = clause("二十五"), clause("二十三")
    citations = [
        make_citation(1, elder, "扩大西部地区养老服务有效供给"),
        make_citation(2, elder, "积极引导社会资本进入养老服务业,扩大西部地区"),  # overlaps the first
        make_citation(3, elder, "加快构建以居家为基础"),
        make_citation(4, elder, "国家为每位西部老人每月发放一千元养老补贴"),  # unverified: never highlighted
        make_citation(5, medical, "支持在西部地区建立若干区域医疗中心"),  # another clause
    ]
    first, second, third = citations[:3]
    assert all(c.start is not None and c.end is not None for c in citations[:3])

    spans = highlight_spans(elder, citations)

    assert spans == [(third.start, third.end), (second.start, first.end)]
    assert elder.text[spans[1][0] : spans[1][1]] == "积极引导社会资本进入养老服务业,扩大西部地区养老服务有效供给"
    assert highlight_spans(medical, citations) == [(citations[4].start, citations[4].end)]


def test_a_quotation_is_never_split_at_a_full_stop_inside_it():
    text = "“对西部地区一律免税。加快构建养老服务体系”[1]。下一句。"

    sentences = parse_marked_text(text)

    assert [s.quotes for s in sentences] == [("对西部地区一律免税。加快构建养老服务体系",), ()]
    assert sentences[0].markers == (1,)


def test_marker_after_a_quote_closed_by_a_full_stop_stays_with_its_sentence():
    sentences = parse_marked_text("要“全面放开养老服务市场。”[1]此外“扩大有效供给”[2]。")

    assert [(s.markers, s.quotes) for s in sentences] == [
        ((1,), ("全面放开养老服务市场。",)),
        ((2,), ("扩大有效供给",)),
    ]


def test_each_line_is_its_own_paragraph():
    sentences = parse_marked_text("句一。句二。[1]\n- 要点[2]")

    assert [(s.text, s.paragraph) for s in sentences] == [("句一。", 0), ("句二。[1]", 0), ("- 要点[2]", 1)]


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("甲[1]。", "甲[1]。"),
        ("甲[1][2]。", "甲[1][2]。"),
        ("甲[1, 2]。", "甲[1][2]。"),
        ("甲[1，2、4]。", "甲[1][2][4]。"),
        ("甲[1-3]。", "甲[1][2][3]。"),
        ("甲[2–3]。", "甲[2][3]。"),
        ("甲【1】。", "甲[1]。"),
        ("甲【1，2】。", "甲[1][2]。"),
        ("甲[^1]。", "甲[1]。"),
        ("甲[^2]。\n\n[^2]: 《指导意见》第（二十五）条", "甲[2]。\n\n"),
        ("甲（来源：[1]）。", "甲[1]。"),
        ("甲(来源: [1][3])。", "甲[1][3]。"),
        ("甲（见[2]）。", "甲[2]。"),
        ("甲[来源1]。", "甲[1]。"),
        ("甲[1-300]。", "甲[1][300]。"),  # a range this long is a typo, not 300 citations
    ],
)
def test_citation_styles_models_write_become_plain_markers(written, normalised):
    assert normalize_markers(written) == normalised
