"""Labels as Chinese legal writing has them: full and short titles, 〈〉 inside 《》, unique short titles, 规定/提出."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest import load_corpus, load_document
from assistant.ingest.labels import (
    aliases_of,
    full_label,
    short_label,
    short_title_of,
    statute_verb,
    title_in_marks,
)
from tests.conftest import write_doc

SOCIAL_INSURANCE = (
    "# 中华人民共和国社会保险法\n\n2010年10月28日 第十一届全国人民代表大会常务委员会第十七次会议通过\n\n"
    "<!-- INFO END -->\n\n## 第二章 基本养老保险\n\n"
    "第十六条 参加基本养老保险的个人，达到法定退休年龄时累计缴费满十五年的，按月领取基本养老金。\n"
)
NOTICE = "关于{topic}的通知\n\n一、总体目标\n\n（一）完善服务网络。各地要建设服务中心。\n"


def test_full_and_short_labels_of_a_law_article(tmp_path):
    law = load_document(write_doc(tmp_path, "社会保险法(2018-12-29).md", SOCIAL_INSURANCE))
    article = law.clauses[0]
    assert (law.title, law.short_title, law.kind) == ("中华人民共和国社会保险法", "社会保险法", "法律")
    assert article.label == "《社会保险法》第十六条"
    assert short_label(law, article) == "《社会保险法》第十六条"
    assert full_label(law, article) == "《中华人民共和国社会保险法》第十六条"


def test_book_title_marks_inside_a_title_become_angle_brackets():
    title = "国务院实施《中华人民共和国民族区域自治法》若干规定"
    assert title_in_marks(title) == "国务院实施〈中华人民共和国民族区域自治法〉若干规定"
    assert title_in_marks("关于修改<中华人民共和国文物保护法>的决定") == "关于修改〈中华人民共和国文物保护法〉的决定"


def test_no_label_nests_book_title_marks(tmp_path):
    text = "# 国务院实施《中华人民共和国民族区域自治法》若干规定\n\n<!-- INFO END -->\n\n第一条 为了帮助民族自治地方加快发展，制定本规定。\n"
    document = load_document(write_doc(tmp_path, "自治法若干规定.md", text))
    (article,) = document.clauses
    assert article.label == "《国务院实施〈中华人民共和国民族区域自治法〉若干规定》第一条"
    assert article.label.count("《") == 1 and article.label.count("》") == 1


@pytest.mark.parametrize(
    ("title", "kind", "short"),
    [
        ("中华人民共和国社会保险法", "法律", "社会保险法"),
        ("中华人民共和国专利法实施细则", "行政法规", "专利法实施细则"),
        ("中共中央国务院关于新时代推进西部大开发形成新格局的指导意见", "意见", "指导意见"),
        ("关于加强社区养老服务工作的通知", "通知", "通知"),
        ("最高人民法院关于审理劳动争议案件适用法律问题的解释（一）", "司法解释", "最高人民法院关于审理劳动争议案件适用法律问题的解释（一）"),
        ("中华人民共和国", "法律", "中华人民共和国"),
    ],
)  # fmt: skip
def test_short_titles(title, kind, short):
    assert short_title_of(title, kind) == short


def test_two_documents_with_the_same_short_title_are_cited_in_full(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "care.txt", NOTICE.format(topic="加强社区养老服务工作"))
    write_doc(corpus, "school.txt", NOTICE.format(topic="加强农村学校建设"))
    write_doc(
        corpus,
        "guideline.txt",
        "中共中央国务院关于推进西部大开发的指导意见\n\n一、总体要求\n\n（一）指导思想。坚持发展。\n",
    )
    documents = {d.doc_id: d for d in load_corpus(corpus).documents}
    assert documents["care"].short_title == "关于加强社区养老服务工作的通知"
    assert documents["school"].clauses[0].label == "《关于加强农村学校建设的通知》一、（一）完善服务网络"
    assert documents["guideline"].short_title == "指导意见"  # unique, so kept short
    assert len({d.short_title for d in documents.values()}) == 3


def test_real_interpretations_never_share_a_label_title():
    laws = Path(__file__).parent / "fixtures" / "laws"
    documents = [d for d in load_corpus(laws).documents if d.kind == "司法解释"]
    assert len(documents) == 4
    assert len({d.short_title for d in documents}) == 4
    assert all(d.short_title != "解释" for d in documents)


@pytest.mark.parametrize(
    ("kind", "verb"),
    [("法律", "规定"), ("行政法规", "规定"), ("部门规章", "规定"), ("司法解释", "规定"), ("意见", "提出"), ("规划", "提出"), ("通知", "提出"), ("", "提出")],
)  # fmt: skip
def test_statute_verb(kind, verb):
    assert statute_verb(kind) == verb


@pytest.mark.parametrize(
    ("title", "short", "aliases"),
    [
        ("中华人民共和国社会保险法", "社会保险法", []),
        ("中华人民共和国专利法实施细则", "中华人民共和国专利法实施细则", ["专利法实施细则"]),
        ("最高人民法院关于审理劳动争议案件适用法律问题的解释（一）", "最高人民法院关于审理劳动争议案件适用法律问题的解释（一）", ["审理劳动争议案件适用法律问题的解释（一）"]),
        ("最高人民法院关于人民法院执行工作若干问题的规定（试行）", "最高人民法院关于人民法院执行工作若干问题的规定（试行）", ["人民法院执行工作若干问题的规定（试行）", "最高人民法院关于人民法院执行工作若干问题的规定", "人民法院执行工作若干问题的规定"]),
    ],
)  # fmt: skip
def test_aliases(title, short, aliases):
    assert aliases_of(title, short) == aliases
