"""Parsed documents and whole-document quizzes shared by the quiz round tests: each is built once per session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from assistant.chinese import split_sentences
from assistant.ingest import load_document
from assistant.quiz.build import build_from_documents, checker_for
from assistant.quiz.gates import Checker
from assistant.quiz.types import BuildRequest, QuizItem
from assistant.types import Clause, ClauseKind, Document, Sentence


@cache
def parsed(path: Path) -> Document:
    return load_document(path)


@cache
def whole_quiz(path: Path, seed: int, n: int = 10) -> tuple[QuizItem, ...]:
    """The items of an n-item quiz over the whole document, as the builder makes it for this seed."""
    return tuple(build_from_documents([parsed(path)], BuildRequest(n=n, seed=seed)).items)


@cache
def source_checker(sources: tuple[Path, ...], doc_id: str) -> Checker:
    """The builder's checker over the one source document with this id."""
    documents = {d.doc_id: d for d in map(parsed, sources)}
    return checker_for([documents[doc_id]])


def gate_problems(data: dict, sources: tuple[Path, ...]) -> list[str]:
    """What the builder's gates find wrong with an item as a reviewer's verdict file holds it."""
    item = QuizItem.model_validate(data)
    checker = source_checker(sources, item.doc_id)
    return checker.problems(checker.verified(item))


def reviewed_item(verdicts: dict, quiz: str, index: int) -> dict:
    """A defective item of a review, by its quiz and number."""
    return next(d["item"] for d in verdicts["defective"] if (d["quiz"], d["index"]) == (quiz, index))


def retired_by_design(data: dict, sources: tuple[Path, ...]) -> bool:
    """An item rounds 14–15 no longer ask by design: a fill-in on a named measure, a statute's item on a measure, or a
    statute's body swapped or offered against other bodies (the verdicts of rounds 10–15b found 29 of 72, 8 of 8 and
    18 of 19 of them defective). Reviewers' clean items of these kinds are expected to fail the gates now; every
    other clean item must still pass."""
    item = QuizItem.model_validate(data)
    clause = source_checker(sources, item.doc_id).clauses.get(item.key)
    statute = clause is not None and clause.is_article
    if item.kind == "measure":
        return item.type == "blank" or statute
    swapped = item.type in ("single", "multi") or (item.type == "tf" and item.swap is not None)
    return item.kind == "institution" and statute and swapped


def text_clause(text: str, doc: str, number: str, kind: ClauseKind = "item") -> Clause:
    """A clause of one test document 《doc》 whose text is `text` (clause `number`), split into sentences as the
    parser does."""
    return Clause(
        doc_id="t",
        doc_title=doc,
        clause=number,
        part="",
        heading="",
        label=f"《{doc}》{number}",
        order=0,
        start=0,
        end=len(text),
        text=text,
        sentences=[
            Sentence(index=n, text=x.text, start=x.start, end=x.end) for n, x in enumerate(split_sentences(text))
        ],
        kind=kind,
    )
