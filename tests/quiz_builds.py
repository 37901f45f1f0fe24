"""Parsed documents and whole-document quizzes shared by the quiz round tests: each is built once per session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from assistant.ingest import load_document
from assistant.quiz.build import build_from_documents
from assistant.quiz.types import BuildRequest, QuizItem
from assistant.types import Document


@cache
def parsed(path: Path) -> Document:
    return load_document(path)


@cache
def whole_quiz(path: Path, seed: int, n: int = 10) -> tuple[QuizItem, ...]:
    """The items of an n-item quiz over the whole document, as the builder makes it for this seed."""
    return tuple(build_from_documents([parsed(path)], BuildRequest(n=n, seed=seed)).items)
