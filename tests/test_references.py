"""Explicit references: documents and articles named in a question resolve exactly, with the right version."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest import load_document
from assistant.references import DocumentNames, article_name, cn_numeral, numeral
from tests.conftest import RETRIEVAL_FIXTURES

YANYE = "烟叶税法-2017-12-27"
CHECHUAN = "车船税法-2019-04-23"
CHECHUAN_RULES = "车船税法实施条例-2019-03-02"
HOLIDAYS_2013 = "全国年节及纪念日放假办法-2013-12-11"
HOLIDAYS_2024 = "全国年节及纪念日放假办法-2024-11-10"


@pytest.fixture(scope="module")
def names() -> DocumentNames:
    """Parsed fixture laws; resolving names needs no index."""
    return DocumentNames([load_document(p) for p in sorted(Path(RETRIEVAL_FIXTURES).glob("*.md")) if "(" in p.name])


@pytest.mark.parametrize(
    ("value", "written"),
    [(1, "一"), (10, "十"), (16, "十六"), (20, "二十"), (105, "一百零五"), (120, "一百二十"), (1260, "一千二百六十")],
)
def test_article_numbers_are_written_as_laws_write_them(value, written):
    assert cn_numeral(value) == written
    assert numeral(written) == value
    assert numeral(str(value)) == value


def test_article_name_with_a_sub_article():
    assert article_name(120, 1) == "第一百二十条之一"
    assert article_name(16) == "第十六条"


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("《烟叶税法》第四条是怎么规定的？", f"{YANYE}#第四条"),
        ("烟叶税法第四条规定了什么", f"{YANYE}#第四条"),
        ("《中华人民共和国烟叶税法》第四条", f"{YANYE}#第四条"),
        ("中华人民共和国烟叶税法第4条的内容", f"{YANYE}#第四条"),
        ("车船税法第十三条", f"{CHECHUAN}#第十三条"),
        ("《车船税法》中的第七条怎么说", f"{CHECHUAN}#第七条"),
        ("车船税法实施条例第七条", f"{CHECHUAN_RULES}#第七条"),
    ],
)
def test_named_article_resolves_to_exactly_that_article(names, question, key):
    assert names.resolve(question).articles == (key,)


def test_longest_document_name_wins(names):
    resolution = names.resolve("车船税法实施条例对扣缴义务人有什么规定？")

    assert resolution.doc_ids == (CHECHUAN_RULES,)


def test_two_named_articles_of_two_documents_resolve_in_order(names):
    resolution = names.resolve("《烟叶税法》第四条和《车船税法》第七条有什么不同？")

    assert resolution.articles == (f"{YANYE}#第四条", f"{CHECHUAN}#第七条")
    assert set(resolution.doc_ids) == {YANYE, CHECHUAN}


def test_bare_article_resolves_only_when_the_scope_fixes_the_document(names):
    assert names.resolve("第四条是怎么规定的？").articles == ()
    assert names.resolve("第四条是怎么规定的？", scope=(YANYE,)).articles == (f"{YANYE}#第四条",)


def test_article_that_does_not_exist_resolves_to_nothing(names):
    assert names.resolve("《烟叶税法》第九十九条").articles == ()


def test_unnamed_version_means_the_one_in_force(names):
    resolution = names.resolve("《全国年节及纪念日放假办法》第二条")

    assert resolution.doc_ids == (HOLIDAYS_2024,)
    assert resolution.articles == (f"{HOLIDAYS_2024}#第二条",)
    assert HOLIDAYS_2013 in names.superseded


@pytest.mark.parametrize(
    "question",
    [
        "2013年版《全国年节及纪念日放假办法》第二条",
        "《全国年节及纪念日放假办法》（2013年）第二条",
        "2013年的全国年节及纪念日放假办法第二条",
    ],
)
def test_named_version_is_used(names, question):
    resolution = names.resolve(question)

    assert resolution.doc_ids == (HOLIDAYS_2013,)
    assert resolution.articles == (f"{HOLIDAYS_2013}#第二条",)


def test_version_named_by_a_later_year_means_the_version_then_in_force(names):
    assert names.resolve("2020年版《全国年节及纪念日放假办法》").doc_ids == (HOLIDAYS_2013,)


@pytest.fixture(scope="module")
def directive_and_laws() -> DocumentNames:
    paths = [Path(RETRIEVAL_FIXTURES) / "烟叶税法(2017-12-27).md", Path(__file__).parent.parent / "corpus" / DIRECTIVE]
    return DocumentNames([load_document(p) for p in paths])


DIRECTIVE = "western-development-guideline-2020.txt"


@pytest.mark.parametrize(
    "question", ["意见对西部地区煤炭开发利用有什么要求？", "关于乌鲁木齐，意见在对外开放方面提了什么？"]
)
def test_a_bare_document_type_word_names_the_one_document_of_that_type(directive_and_laws, question):
    assert directive_and_laws.resolve(question).doc_ids == ("western-development-guideline-2020",)


@pytest.mark.parametrize("question", ["鉴定人提供虚假鉴定意见会怎么样？", "征求意见的程序是什么？"])
def test_a_type_word_inside_another_phrase_names_nothing(directive_and_laws, question):
    assert directive_and_laws.resolve(question).doc_ids == ()


def test_the_question_without_document_names_is_its_focus(names):
    assert names.resolve("《烟叶税法》规定的税率是多少？").focus.strip() == "规定的税率是多少？"


def test_articles_of_a_code_resolve_to_the_volume_file_that_holds_them():
    from assistant.ingest import load_corpus
    from tests.test_versions import CODE_PARTS

    parts = DocumentNames(load_corpus(CODE_PARTS).documents)
    assert parts.superseded == set()
    assert parts.resolve("《民法典》第一千一百二十三条怎么规定遗嘱继承？").articles == ("继承编#第一千一百二十三条",)
    assert parts.resolve("民法典第一千二百六十条").articles == ("附则#第一千二百六十条",)
    assert set(parts.resolve("《民法典》关于继承是怎么规定的").doc_ids) == {"继承编", "附则"}
