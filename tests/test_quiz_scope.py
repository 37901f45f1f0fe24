"""Quiz scopes over a statute and a policy document: articles, ranges, chapters, titles; parsed, not indexed."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import UserError
from assistant.ingest import load_document
from assistant.quiz.scope import resolve_scope
from assistant.types import Document
from tests.conftest import DIRECTIVE

LAW = Path(__file__).resolve().parent / "fixtures" / "quiz" / "优化营商环境条例(2019-10-22).md"


@pytest.fixture(scope="module")
def law() -> Document:
    return load_document(LAW)


@pytest.fixture(scope="module")
def both(law: Document) -> list[Document]:
    return [law, load_document(DIRECTIVE)]


@pytest.mark.parametrize(
    ("spec", "clauses"),
    [
        ("第三条", ["第三条"]),
        ("第3条", ["第三条"]),
        ("三", ["第三条"]),
        ("第三条至第五条", ["第三条", "第四条", "第五条"]),
        ("第3-5条", ["第三条", "第四条", "第五条"]),
        ("第七十一条,第七十二条", ["第七十一条", "第七十二条"]),
    ],
)
def test_a_statute_is_scoped_by_article_and_range(law: Document, spec: str, clauses: list[str]):
    assert [c.clause for c in resolve_scope(spec, [law]).clauses] == clauses


def test_a_chapter_names_every_article_in_it(law: Document):
    scope = resolve_scope("第二章", [law])
    assert scope.description.startswith("第二章")
    assert scope.clauses and all(c.part.startswith("第二章") for c in scope.clauses)
    assert scope.clauses[0].clause == "第十条"


@pytest.mark.parametrize("title", ["优化营商环境条例", "《优化营商环境条例》"])
def test_a_document_title_names_the_whole_document(both: list[Document], title: str):
    scope = resolve_scope(title, both)
    assert {c.doc_id for c in scope.clauses} == {both[0].doc_id}
    assert len(scope.clauses) == len(both[0].clauses)


def test_a_title_before_a_clause_picks_that_document_only(both: list[Document]):
    scope = resolve_scope("《优化营商环境条例》第三条,《指导意见》（三）", both)
    assert [(c.doc_id, c.clause) for c in scope.clauses] == [(both[0].doc_id, "第三条"), (both[1].doc_id, "三")]


def test_brackets_name_a_policy_clause_never_a_statute_article(both: list[Document]):
    assert [c.doc_id for c in resolve_scope("（三）", both).clauses] == [both[1].doc_id]


@pytest.mark.parametrize("spec", ["第九十九条", "第九章", "《刑法》第三条", "第九十条至第九十五条"])
def test_a_scope_naming_nothing_is_refused(law: Document, spec: str):
    with pytest.raises(UserError, match="不是文档中的文档标题、部分、章或条款"):
        resolve_scope(spec, [law])
