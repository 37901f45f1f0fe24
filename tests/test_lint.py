"""Lint reports what a careful reader would flag, and never changes the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest import load_corpus, load_document
from assistant.lint import lint_corpus, lint_document
from assistant.types import Document, LintFinding
from tests.conftest import DIRECTIVE, write_doc


@pytest.fixture(scope="module")
def directive() -> Document:
    return load_document(DIRECTIVE)


@pytest.fixture(scope="module")
def findings(directive) -> list[LintFinding]:
    return lint_document(directive)


def of_kind(findings: list[LintFinding], kind: str) -> list[LintFinding]:
    return [f for f in findings if f.kind == kind]


def test_directive_findings_are_exactly_gap_joins_latin_and_two_typos(findings):
    kinds = sorted(f.kind for f in findings)
    assert kinds == ["latin_in_chinese", "likely_typo", "likely_typo", "numbering_gap"] + ["page_break_join"] * 5
    assert [f.offset for f in findings] == sorted(f.offset for f in findings)  # type: ignore[type-var]


def test_missing_clause_27_is_a_numbering_gap_at_28(findings):
    (gap,) = of_kind(findings, "numbering_gap")
    assert gap.clause == "二十八"
    assert gap.severity == "warning"
    assert "（二十七）" in gap.message
    assert gap.message.startswith("编号不连续：（二十六）之后是（二十八），缺少（二十七）。")
    assert gap.excerpt == "(二十八)增强防灾减灾与应急管理。"


def test_gap_offset_points_at_the_heading_of_28(findings, directive):
    (gap,) = of_kind(findings, "numbering_gap")
    assert directive.source_text[gap.offset :].startswith("(二十八)增强防灾减灾与应急管理。")


def test_five_page_break_joins_name_their_clauses(findings, directive):
    joins = of_kind(findings, "page_break_join")
    assert [f.clause for f in joins] == ["三", "八", "十五", "二十二", "三十"]
    assert [f.offset for f in joins] == directive.page_breaks
    assert all(f.severity == "info" for f in joins)
    first = joins[0]
    assert first.message == "段落在“、特色农机装”处被分页截断，已与下一段“备生产研发和”拼接。"
    assert "⏎" in first.excerpt


def test_english_and_in_clause_nine_is_flagged(findings, directive):
    (latin,) = of_kind(findings, "latin_in_chinese")
    assert latin.clause == "九"
    assert latin.message == "中文正文中出现英文单词“and”，可能是录入或转换错误，请核对原件。"
    assert directive.source_text[latin.offset : latin.offset + 3] == "and"
    assert "联运服务模式 and 物流大通道" in latin.excerpt


def test_directive_has_no_empty_or_duplicate_clauses(findings):
    kinds = {f.kind for f in findings}
    assert not kinds & {"empty_clause", "duplicate_clause", "duplicate_number"}


def test_lint_does_not_alter_the_document(directive):
    before = directive.model_dump_json()
    lint_document(directive)
    assert directive.model_dump_json() == before
    assert directive.source_text == DIRECTIVE.read_text("utf-8")


FLOOD = """关于做好防汛工作的通知

（一）加强组织领导。

（二）落实防汛责任。各级政府要压实责任。

（三）做好物资储备。各地要储备防汛物资。

（四）强化值班值守。各地要储备防汛物资。
"""


def test_heading_without_body_is_an_empty_clause(tmp_path):
    findings = lint_document(load_document(write_doc(tmp_path, "flood.txt", FLOOD)))
    (empty,) = of_kind(findings, "empty_clause")
    assert empty.clause == "一"
    assert empty.message == "条目（一）只有标题，没有正文。"


def test_clause_repeating_another_body_is_a_duplicate(tmp_path):
    findings = lint_document(load_document(write_doc(tmp_path, "flood.txt", FLOOD)))
    (duplicate,) = of_kind(findings, "duplicate_clause")
    assert duplicate.clause == "四"
    assert duplicate.message == "条目（四）的正文与（三）完全相同。"


def test_consecutive_numbering_has_no_gap(tmp_path):
    findings = lint_document(load_document(write_doc(tmp_path, "flood.txt", FLOOD)))
    assert of_kind(findings, "numbering_gap") == []
    assert sorted(f.kind for f in findings) == ["duplicate_clause", "empty_clause"]


def test_numbering_restarting_in_a_new_part_is_not_a_gap_but_a_skip_is(tmp_path):
    text = "关于加强农村供水工作的通知\n\n一、目标\n\n1. 提高普及率。\n\n2. 提高覆盖率。\n\n二、措施\n\n1. 加大投入。\n\n3. 落实管护。\n"
    findings = lint_document(load_document(write_doc(tmp_path, "water.txt", text)))
    (gap,) = of_kind(findings, "numbering_gap")
    assert gap.clause == "3"  # only the repeated 1 is qualified by its part
    assert gap.excerpt == "3.落实管护。"
    assert "缺少（2）" in gap.message


def test_repeated_number_is_reported(tmp_path):
    text = "关于做好防汛工作的通知\n\n（一）加强领导。各级党委要加强领导。\n\n（一）落实责任。各级政府要压实责任。\n"
    findings = lint_document(load_document(write_doc(tmp_path, "flood.txt", text)))
    assert [f.kind for f in findings] == ["duplicate_number"]


# --- real laws -------------------------------------------------------------------

LAWS = Path(__file__).parent / "fixtures" / "laws"


def test_real_laws_raise_no_warnings():
    # Whole files only: the trimmed excerpts have gaps in their article numbers by construction.
    documents = [d for d in load_corpus(LAWS).documents if "excerpt" not in d.doc_id]
    assert len(documents) == 10
    findings = lint_corpus(documents)
    assert len(findings) == len(documents)
    warnings = [f for items in findings.values() for f in items if f.severity != "info"]
    assert warnings == []


def test_article_with_zhi_is_not_a_repeated_number():
    criminal = load_document(LAWS / "刑法-excerpt.md")
    kinds = {f.kind for f in lint_document(criminal)}
    assert "duplicate_number" not in kinds


def test_missing_article_is_named_as_an_article(tmp_path):
    text = "# 示例条例\n\n<!-- INFO END -->\n\n第一条 为了规范管理，制定本条例。\n\n第三条 本条例自公布之日起施行。\n"
    (gap,) = [f for f in lint_document(load_document(write_doc(tmp_path, "gap.md", text))) if f.kind == "numbering_gap"]
    assert gap.clause == "第三条"
    assert gap.message.startswith("编号不连续：第一条之后是第三条，缺少第二条。")


def test_one_sentence_article_is_not_empty(tmp_path):
    text = "# 示例条例\n\n<!-- INFO END -->\n\n第一条 本条例自公布之日起施行。\n\n第二条\n"
    findings = lint_document(load_document(write_doc(tmp_path, "short.md", text)))
    assert [(f.kind, f.clause, f.message) for f in findings if f.kind == "empty_clause"] == [
        ("empty_clause", "第二条", "第二条只有编号，没有正文。")
    ]


def test_the_likely_typos_are_xibu_against_the_directive_and_gangganlv_against_the_dictionary(findings, directive):
    leverage, xibu = of_kind(findings, "likely_typo")
    assert xibu.clause == "十三"
    assert directive.source_text[xibu.offset - 1 : xibu.offset + 1] == "西卜"
    assert "本文其他地方写作“西部”" in xibu.message
    # 杠杆 stands nowhere else in the directive: the dictionary tells 扛杆率 is a misread 杠杆率.
    assert leverage.clause == "一"
    assert directive.source_text[leverage.offset : leverage.offset + 3] == "扛杆率"
    assert "“杠杆”是常用词" in leverage.message
