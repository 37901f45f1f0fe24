"""The parser on real laws, regulations, rules and judicial interpretations (tests/fixtures/laws, from LawRefBook)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chinese import int_to_cn
from assistant.ingest import load_corpus, load_document
from assistant.ingest.metadata import INFO_END
from assistant.types import Clause, Document
from tests.conftest import write_doc

LAWS = Path(__file__).parent / "fixtures" / "laws"
INCOME_TAX = LAWS / "企业所得税法(2018-12-29).md"
CRIMINAL = LAWS / "刑法-excerpt.md"
CONSTITUTION = LAWS / "宪法-excerpt.md"
RELICS = LAWS / "文物保护法-excerpt(2017-11-04).md"
LEAVE = LAWS / "职工带薪年休假条例(2007-12-14).md"
CONSUMER = LAWS / "侵害消费者权益行为处罚办法(2015-01-05).md"
PERSONNEL = LAWS / "最高人民法院关于人民法院审理事业单位人事争议案件若干问题的规定(2003-08-27).md"
LEASING = LAWS / "最高人民法院关于审理融资租赁合同纠纷案件适用法律问题的解释(2020-12-29).md"
RAILWAY = LAWS / "最高人民法院关于人民法院扣押铁路运输货物若干问题的规定(2020-12-29).md"
COMPANY = LAWS / "国务院关于实施《公司法》注册资本登记管理制度的规定(2024-07-01).md"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(LAWS)


def named(document: Document, name: str) -> Clause:
    matches = [c for c in document.clauses if c.clause == name]
    assert len(matches) == 1, f"{name}: {[c.clause for c in document.clauses]}"
    return matches[0]


def articles(document: Document) -> list[str]:
    return [c.clause for c in document.clauses if c.kind == "article"]


def test_every_real_file_but_the_folder_description_parses(corpus):
    assert len(corpus.documents) == 13
    assert [(Path(e.path).name, e.reason) for e in corpus.errors] == [
        ("_index.md", "文件只有标题或元数据（如目录说明），没有正文，已跳过。")
    ]


def test_metadata_before_info_end_is_never_clause_text(corpus):
    for document in corpus.documents:
        body_start = document.source_text.index(INFO_END) + len(INFO_END)
        assert all(c.start >= body_start for c in document.clauses), document.doc_id
        assert not any("INFO END" in c.text or "会议通过" in c.text[:40] for c in document.clauses)


def test_law_articles_are_the_citable_units_in_order():
    law = load_document(INCOME_TAX)
    assert articles(law) == [f"第{int_to_cn(n)}条" for n in range(1, 61)]
    assert [c.number for c in law.clauses] == list(range(1, 61))
    first = law.clauses[0]
    assert (first.part, first.label, first.kind, first.is_article) == (
        "第一章 总则",
        "《企业所得税法》第一条",
        "article",
        True,
    )
    # The first sentence is the rule itself and stays in the quotable text.
    assert first.sentences[0].text.startswith("第一条 在中华人民共和国境内，企业和其他取得收入的组织")
    assert first.text.endswith("个人独资企业、合伙企业不适用本法。")


def test_numbered_items_stay_inside_their_article():
    law = load_document(INCOME_TAX)
    article = named(law, "第二十六条")
    assert "（一）国债利息收入；" in article.text
    assert not any(c.clause in ("一", "（一）") for c in law.clauses)


def test_article_with_zhi_is_its_own_article():
    criminal = load_document(CRIMINAL)
    names = articles(criminal)
    assert len(names) == len(set(names))
    assert names.index("第十七条之一") == names.index("第十七条") + 1
    extra = named(criminal, "第十七条之一")
    assert (extra.label, extra.number, extra.kind) == ("《刑法》第十七条之一", 17, "article")
    assert extra.text.startswith("第十七条之一 已满七十五周岁的人故意犯罪的")
    assert [n for n in names if n.startswith("第一百二十条")] == [
        "第一百二十条",
        "第一百二十条之一",
        "第一百二十条之二",
        "第一百二十条之三",
    ]


def test_volumes_chapters_and_sections_nest_in_the_part():
    criminal = load_document(CRIMINAL)
    assert named(criminal, "第一条").part == "第一编 总则 / 第一章 刑法的任务、基本原则和适用范围"
    assert named(criminal, "第十七条").part == "第一编 总则 / 第二章 犯罪 / 第一节 犯罪和刑事责任"
    assert named(criminal, "第一百二十条之一").part == "第二编 分则 / 第二章 危害公共安全罪"


def test_a_line_break_inside_an_amendment_note_makes_no_article():
    relics = load_document(RELICS)
    assert articles(relics) == ["第一条", "第二条", "第三条", "第四条"]
    assert relics.promulgated == "1982-11-19"


def test_a_note_broken_before_an_article_number_without_front_matter_makes_no_article(tmp_path):
    text = (
        "中华人民共和国文物保护法\n\n"
        "（1991年6月29日第七届全国人民代表大会常务委员会第二十次会议《关于修改<中华人民共和国文物保护法>第三十条\n\n"
        "第三十一条的决定》第一次修正）\n\n"
        "第一条 为了加强对文物的保护，制定本法。\n\n"
        "第二条 在中华人民共和国境内，下列文物受国家保护。\n\n"
        "本法第三十条的规定适用于考古发掘。\n"
    )
    document = load_document(write_doc(tmp_path, "relics.txt", text))
    assert articles(document) == ["第一条", "第二条"]
    assert named(document, "第二条").text.endswith("本法第三十条的规定适用于考古发掘。")


def test_preamble_heading_gives_a_preamble_clause():
    constitution = load_document(CONSTITUTION)
    preamble = constitution.clauses[0]
    assert (preamble.clause, preamble.kind, preamble.part, preamble.label) == ("序言", "preamble", "", "《宪法》序言")
    assert preamble.text.startswith("中国是世界上历史最悠久的国家之一。")
    assert "## 序言" not in preamble.text
    assert articles(constitution) == ["第一条", "第二条", "第三条"]
    assert named(constitution, "第一条").part == "第一章 总纲"


def test_interpretation_parts_hold_articles_numbered_through_the_document():
    leasing = load_document(LEASING)
    assert leasing.clauses[0].kind == "preamble"
    assert leasing.clauses[0].text.startswith("为正确审理融资租赁合同纠纷案件")
    numbers = [c.number for c in leasing.clauses if c.kind == "article"]
    assert numbers == list(range(1, len(numbers) + 1))
    assert leasing.clauses[-1].part == "五、其他规定"


def test_numbered_paragraphs_of_an_interpretation_are_cited_as_articles():
    railway = load_document(RAILWAY)
    first = named(railway, "第一条")
    assert first.kind == "article"
    assert first.text == "一、人民法院依法可以裁定扣押铁路运输货物。铁路运输企业依法应当予以协助。"
    assert articles(railway) == [f"第{int_to_cn(n)}条" for n in range(1, len(articles(railway)) + 1)]


def test_title_repeated_at_the_top_of_the_body_is_not_a_preamble():
    company = load_document(COMPANY)
    assert company.title == "国务院关于实施《中华人民共和国公司法》注册资本登记管理制度的规定"
    assert company.clauses[0].clause == "第一条"
    assert company.clauses[0].label == "《国务院关于实施〈中华人民共和国公司法〉注册资本登记管理制度的规定》第一条"


def test_title_is_the_heading_line_even_when_it_ends_in_a_bracket(tmp_path):
    text = (
        "# 工伤认定办法（试行）\n\n2010年1月1日 施行\n\n<!-- INFO END -->\n\n第一条 为规范工伤认定程序，制定本办法。\n"
    )
    document = load_document(write_doc(tmp_path, "gongshang.md", text))
    assert document.title == "工伤认定办法（试行）"
    assert [c.clause for c in document.clauses] == ["第一条"]
    assert document.effective == "2010-01-01"


def test_plain_text_title_ending_in_a_bracket_is_the_title(tmp_path):
    text = "工伤认定办法（试行）\n\n第一条 为规范工伤认定程序，制定本办法。\n"
    assert load_document(write_doc(tmp_path, "gongshang.txt", text)).title == "工伤认定办法（试行）"


@pytest.mark.parametrize(
    ("path", "kind", "issuer", "promulgated", "effective", "doc_number", "version_date"),
    [
        (INCOME_TAX, "法律", "全国人民代表大会", "2007-03-16", None, None, "2018-12-29"),
        (LEAVE, "行政法规", "国务院", "2007-12-07", "2008-01-01", "国务院令第514号", "2007-12-14"),
        (CONSUMER, "部门规章", "国家工商行政管理总局", "2015-01-05", "2015-03-15", "国家工商行政管理总局令第73号", "2015-01-05"),
        (PERSONNEL, "司法解释", "最高人民法院", "2003-06-17", "2003-09-05", None, "2003-08-27"),
        (RELICS, "法律", "全国人民代表大会常务委员会", "1982-11-19", None, None, "2017-11-04"),
        (CRIMINAL, "法律", "全国人民代表大会", "1979-07-01", None, None, "2023-12-29"),
    ],
)  # fmt: skip
def test_document_record_from_metadata(path, kind, issuer, promulgated, effective, doc_number, version_date):
    document = load_document(path)
    got = (document.kind, document.issuer, document.promulgated, document.effective, document.doc_number)
    assert got == (kind, issuer, promulgated, effective, doc_number)
    assert document.version_date == version_date


def test_doc_number_below_the_title_of_a_plain_document(tmp_path):
    text = (
        "国务院关于加快发展养老服务业的若干意见\n\n国发〔2013〕35号\n\n一、总体要求\n\n（一）指导思想。坚持保障基本。\n"
    )
    document = load_document(write_doc(tmp_path, "yanglao.txt", text))
    assert document.doc_number == "国发〔2013〕35号"
    assert document.kind == "意见"
    assert document.issuer == "国务院"


def test_plain_text_law_keeps_its_bracketed_note_and_contents_out_of_the_clauses(tmp_path):
    text = (
        "中华人民共和国企业所得税法\n\n"
        "（2007年3月16日第十届全国人民代表大会第五次会议通过\n"
        "根据2017年2月24日第十二届全国人民代表大会常务委员会第二十六次会议《关于修改〈中华人民共和国企业所得税法〉的决定》第一次修正\n"
        "根据2018年12月29日第十三届全国人民代表大会常务委员会第七次会议《关于修改〈中华人民共和国电力法〉等四部法律的决定》第二次修正）\n\n"
        "目　　录\n\n第一章　总则\n\n第二章　应纳税所得额\n\n"
        "第一章　总则\n\n"
        "第一条　在中华人民共和国境内，企业和其他取得收入的组织为企业所得税的纳税人。\n\n"
        "第二章　应纳税所得额\n\n"
        "第五条　企业每一纳税年度的收入总额，减除不征税收入后的余额，为应纳税所得额。\n"
    )
    law = load_document(write_doc(tmp_path, "企业所得税法.txt", text))
    assert [(c.clause, c.part) for c in law.clauses] == [("第一条", "第一章　总则"), ("第五条", "第二章　应纳税所得额")]
    assert (law.kind, law.issuer, law.promulgated, law.version_date) == (
        "法律",
        "全国人民代表大会",
        "2007-03-16",
        "2018-12-29",
    )
    assert law.short_title == "企业所得税法"


def test_a_law_in_word_format_parses_into_articles(tmp_path):
    import docx

    source = INCOME_TAX.read_text("utf-8").split(INFO_END)[1]
    word = docx.Document()
    word.add_paragraph("中华人民共和国企业所得税法")
    word.add_paragraph("（2007年3月16日第十届全国人民代表大会第五次会议通过）")
    for line in source.splitlines():
        if line.strip():
            word.add_paragraph(line.lstrip("# "))
    word.save(tmp_path / "企业所得税法.docx")
    law = load_document(tmp_path / "企业所得税法.docx")
    markdown = load_document(INCOME_TAX)
    assert (law.title, law.kind, law.promulgated) == ("中华人民共和国企业所得税法", "法律", "2007-03-16")
    assert [(c.clause, c.part, c.text) for c in law.clauses] == [(c.clause, c.part, c.text) for c in markdown.clauses]
