"""The parser on the shipped directive and on small documents written by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest import load_document
from assistant.retrieve import SearchFilter
from assistant.types import Clause, Document
from tests.conftest import DIRECTIVE, write_doc

SEED = Path("/work/shared/seeds/000_2ad3a78767fce259.txt")

DIRECTIVE_PARTS = [
    "一、总体要求",
    "二、贯彻新发展理念,推动高质量发展",
    "三、以共建“一带一路”为引领,加大西部开放力度",
    "四、加大美丽西部建设力度,筑牢国家生态安全屏障",
    "五、深化重点领域改革,坚定不移推动重大改革举措落实",
    "六、坚持以人民为中心,把增强人民群众获得感、幸福感、安全感放到突出位置",
    "七、加强政策支持和组织保障",
]
NUMERALS = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    "十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十",
    "二十一", "二十二", "二十三", "二十四", "二十五", "二十六", "二十八", "二十九", "三十",
    "三十一", "三十二", "三十三", "三十四", "三十五", "三十六",
]  # fmt: skip


@pytest.fixture(scope="module")
def directive() -> Document:
    return load_document(DIRECTIVE)


def clause_named(document: Document, name: str) -> Clause:
    matches = [c for c in document.clauses if c.clause == name]
    assert len(matches) == 1, f"{name}: {[c.clause for c in document.clauses]}"
    return matches[0]


# --- the shipped directive ---------------------------------------------------


def test_directive_file_is_the_seed_byte_for_byte():
    assert DIRECTIVE.read_bytes() == SEED.read_bytes()


def test_directive_title_and_short_title(directive):
    assert directive.doc_id == "western-development-guideline-2020"
    assert directive.title == "中共中央国务院关于新时代推进西部大开发形成新格局的指导意见"
    assert directive.short_title == "指导意见"
    assert directive.format == "txt"


def test_directive_has_seven_parts_in_order(directive):
    parts: list[str] = []
    for clause in directive.clauses:
        if clause.part and clause.part not in parts:
            parts.append(clause.part)
    assert parts == DIRECTIVE_PARTS


def test_directive_has_35_numbered_clauses_without_27(directive):
    numbers = [c.number for c in directive.clauses if c.number is not None]
    assert len(numbers) == 35
    assert numbers == [n for n in range(1, 37) if n != 27]


def test_directive_clause_names_run_from_preamble_to_closing(directive):
    names = [c.clause for c in directive.clauses]
    assert names == ["序言", "总体要求", *NUMERALS, "结语"]
    assert [c.order for c in directive.clauses] == list(range(len(names)))


def test_preamble_part_body_and_closing_are_labelled(directive):
    preamble, overall, closing = directive.clauses[0], directive.clauses[1], directive.clauses[-1]
    assert (preamble.clause, preamble.part, preamble.label) == ("序言", "", "《指导意见》序言")
    assert preamble.text.startswith("强化举措推进西部大开发形成新格局")
    assert (overall.clause, overall.part, overall.label) == ("总体要求", "一、总体要求", "《指导意见》一、总体要求")
    assert overall.text.startswith("以习近平新时代中国特色社会主义思想为指导")
    assert (closing.clause, closing.part, closing.label) == ("结语", "", "《指导意见》结语")
    assert closing.text.startswith("各地区各部门要在以习近平同志为核心的党中央坚强领导下")


def test_clause_three_fields_are_as_given_in_the_source(directive):
    clause = clause_named(directive, "三")
    assert clause.doc_id == "western-development-guideline-2020"
    assert clause.number == 3
    assert clause.part == "二、贯彻新发展理念,推动高质量发展"  # the source's ASCII comma is kept
    assert clause.heading == "(三)推动形成现代化产业体系。"
    assert clause.label == "《指导意见》二、（三）推动形成现代化产业体系"
    source = directive.source_text[clause.start : clause.end]
    assert source.replace("\n", "") == clause.text
    assert source != clause.text  # the slice still holds the page break


def test_clause_seventeen_label_uses_its_part_and_heading(directive):
    clause = clause_named(directive, "十七")
    assert clause.number == 17
    assert clause.label == "《指导意见》五、（十七）深化要素市场化配置改革"


def test_every_clause_is_its_source_span_without_line_breaks(directive):
    for clause in directive.clauses:
        source = directive.source_text[clause.start : clause.end]
        assert source.replace("\n", "") == clause.text.replace("\n", ""), clause.clause


@pytest.mark.parametrize(
    ("name", "joined"),
    [
        ("三", "农机装备生产研发"),
        ("十五", "乌鲁齐及周边地区"),
        ("八", "湄公河区域开放合作水平"),
        ("三十", "鼓励类产业企业所得税"),
        ("二十二", "人工智能、互联网开展远程教育"),
    ],
)
def test_page_break_split_words_are_rejoined(directive, name, joined):
    clause = clause_named(directive, name)
    assert joined in clause.text
    assert len(clause.joins) == 1
    join = clause.joins[0]
    assert clause.text[join - 1 : join + 1] in joined


def test_directive_records_five_page_breaks(directive):
    assert len(directive.page_breaks) == 5
    starts = [directive.source_text[offset : offset + 2] for offset in directive.page_breaks]
    assert starts == ["备生", "合作", "鲁齐", "开展", "类产"]


def test_missing_clause_27_is_not_invented_and_26_keeps_its_text(directive):
    assert "二十七" not in [c.clause for c in directive.clauses]
    clause = clause_named(directive, "二十六")
    assert "农村危房改造" in clause.text
    assert clause.text.endswith("城镇稳定就业的无外来务工人员居住条件。")
    assert clause_named(directive, "二十八").heading == "(二十八)增强防灾减灾与应急管理。"


def test_inline_parentheses_are_not_clause_headings(directive):
    assert "西(宁)成(都)铁路" in clause_named(directive, "六").text
    assert "(含兵团团场)" in clause_named(directive, "二十三").text
    assert "中新(重庆)战略性互联互通示范项目" in clause_named(directive, "九").text
    assert "宁" not in [c.clause for c in directive.clauses]


def test_every_sentence_is_a_span_of_its_clause(directive):
    total = 0
    for clause in directive.clauses:
        assert clause.sentences, clause.clause
        assert [s.index for s in clause.sentences] == list(range(len(clause.sentences)))
        for sentence in clause.sentences:
            assert clause.text[sentence.start : sentence.end] == sentence.text
            total += 1
    assert total == sum(len(c.sentences) for c in directive.clauses)


def test_sentences_end_at_chinese_full_stops(directive):
    clause = clause_named(directive, "二十九")
    assert [s.text for s in clause.sentences] == [
        "(二十九)分类考核。",
        "参照高质量发展综合评价指标和分领域评价指标,根据西部地区不同地域特点,设置各有侧重、各具特色的考核内容和指标,实施差异化考核。",
        "深入研究制定分类考核的具体措施。",
    ]


# --- generic documents -------------------------------------------------------

ARTICLES = """社区养老服务管理办法

第一章 总则

第一条 为规范社区养老服务，制定本办法。

第二条 本办法适用于本市行政区域内的社区养老服务机构。

第二章 服务内容

第三条 服务机构应当提供助餐、助浴服务。
"""


def test_articles_become_clauses_named_by_article(tmp_path):
    document = load_document(write_doc(tmp_path, "elderly-care.txt", ARTICLES))
    assert document.doc_id == "elderly-care"
    assert document.title == "社区养老服务管理办法"
    assert document.short_title == "社区养老服务管理办法"
    assert [(c.clause, c.number, c.part) for c in document.clauses] == [
        ("第一条", 1, "第一章 总则"),
        ("第二条", 2, "第一章 总则"),
        ("第三条", 3, "第二章 服务内容"),
    ]
    assert [c.label for c in document.clauses] == [
        "《社区养老服务管理办法》第一条",
        "《社区养老服务管理办法》第二条",
        "《社区养老服务管理办法》第三条",
    ]
    assert document.clauses[1].text == "第二条 本办法适用于本市行政区域内的社区养老服务机构。"


def test_markdown_articles_parse_like_plain_text(tmp_path):
    markdown = (
        "# 社区养老服务管理办法\n\n## 第一章 总则\n\n第一条 为规范社区养老服务，制定本办法。\n\n"
        "第二条 本办法适用于本市行政区域内的社区养老服务机构。\n\n## 第二章 服务内容\n\n"
        "第三条 服务机构应当提供助餐、助浴服务。\n"
    )
    document = load_document(write_doc(tmp_path, "elderly-care.md", markdown))
    assert document.format == "md"
    assert document.title == "社区养老服务管理办法"
    assert [c.clause for c in document.clauses] == ["第一条", "第二条", "第三条"]
    assert document.clauses[0].label == "《社区养老服务管理办法》第一条"
    assert document.clauses[2].text == "第三条 服务机构应当提供助餐、助浴服务。"


def test_markdown_heading_marks_are_not_part_of_the_part(tmp_path):
    markdown = "# 社区养老服务管理办法\n\n## 第一章 总则\n\n第一条 为规范社区养老服务，制定本办法。\n"
    document = load_document(write_doc(tmp_path, "elderly-care.md", markdown))
    clause = document.clauses[0]
    assert clause.part == "第一章 总则"
    assert SearchFilter(parts=("一",)).allows(clause)


NOTICE = """关于加强农村供水工作的通知

一、工作目标

1. 到2025年农村自来水普及率达到90%。

2. 规模化供水工程覆盖人口比例提高。

二、保障措施

1. 加大财政投入力度。

2. 落实工程管护责任。
"""


def test_numbered_items_restart_in_each_part_and_are_qualified_by_it(tmp_path):
    document = load_document(write_doc(tmp_path, "water.txt", NOTICE))
    assert document.short_title == "通知"
    assert [(c.clause, c.number, c.part) for c in document.clauses] == [
        ("一.1", 1, "一、工作目标"),
        ("一.2", 2, "一、工作目标"),
        ("二.1", 1, "二、保障措施"),
        ("二.2", 2, "二、保障措施"),
    ]
    assert [c.label for c in document.clauses] == [
        "《通知》一、1. 到2025年农村自来水普及率达到90%",
        "《通知》一、2. 规模化供水工程覆盖人口比例提高",
        "《通知》二、1. 加大财政投入力度",
        "《通知》二、2. 落实工程管护责任",
    ]
    assert len({c.key for c in document.clauses}) == 4


def test_full_width_bracket_clauses_without_parts(tmp_path):
    text = "关于推进智慧城市建设的实施意见\n\n（一）加快数字基础设施建设。推进千兆光网覆盖。\n\n（二）提升城市治理水平。建设城市运行管理平台。\n"
    document = load_document(write_doc(tmp_path, "smart-city.txt", text))
    assert document.short_title == "实施意见"
    assert [(c.clause, c.number, c.part) for c in document.clauses] == [("一", 1, ""), ("二", 2, "")]
    assert [c.heading for c in document.clauses] == ["（一）加快数字基础设施建设。", "（二）提升城市治理水平。"]
    assert [c.label for c in document.clauses] == [
        "《实施意见》（一）加快数字基础设施建设",
        "《实施意见》（二）提升城市治理水平",
    ]
    assert document.clauses[1].text == "（二）提升城市治理水平。建设城市运行管理平台。"


def test_text_without_structure_is_one_preamble_titled_by_file_name(tmp_path):
    text = "今年全市共新建养老床位三千张。下一步将继续扩大服务供给。\n"
    document = load_document(write_doc(tmp_path, "bulletin.txt", text))
    assert document.title == "bulletin"
    assert [(c.clause, c.number, c.part, c.label) for c in document.clauses] == [("序言", None, "", "《bulletin》序言")]
    assert [s.text for s in document.clauses[0].sentences] == [
        "今年全市共新建养老床位三千张。",
        "下一步将继续扩大服务供给。",
    ]


def test_notice_title_is_cited_by_its_document_type(tmp_path):
    text = "关于加强防汛抗旱工作的通知\n\n（一）压实防汛责任。各级政府要落实责任。\n"
    document = load_document(write_doc(tmp_path, "flood.txt", text))
    assert document.short_title == "通知"
    assert document.clauses[0].label == "《通知》（一）压实防汛责任"


def test_generic_page_break_is_rejoined(tmp_path):
    text = "关于加强防汛抗旱工作的通知\n\n（一）压实防汛责任。各级政府要落实\n\n防汛责任。\n\n（二）储备物资。各地要储备物资。\n"
    document = load_document(write_doc(tmp_path, "flood.txt", text))
    assert [c.text for c in document.clauses] == [
        "（一）压实防汛责任。各级政府要落实防汛责任。",
        "（二）储备物资。各地要储备物资。",
    ]
    assert len(document.page_breaks) == 1
    assert document.source_text[document.page_breaks[0] :].startswith("防汛责任。")
