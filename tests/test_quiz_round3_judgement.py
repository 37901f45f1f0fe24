"""The judge (tests/quiz_judge.py) and the gates on the round-3 blind review's items: every defective item the
reviewer named is caught by a defect class of the judge and rejected by a gate, on the directive and three laws
(tests/fixtures/quiz/round3_items.json holds the exported items with the reviewer's verdicts)."""

from __future__ import annotations

import json
from functools import cache

import pytest

from assistant.ingest import load_document
from assistant.quiz.build import checker_for
from assistant.quiz.gates import Checker
from assistant.quiz.types import QuizItem
from tests.quiz_judge import DIRECTIVE, FIXTURES, Judge

LAWS = (
    "民办教育促进法(2018-12-29).md",
    "危险化学品安全管理条例(2013-12-07).md",
    "最高人民法院关于审理商标授权确权行政案件若干问题的规定(2020-12-29).md",
)
VERDICTS = json.loads((FIXTURES / "round3_items.json").read_text(encoding="utf-8"))


@cache
def _documents():
    return {d.doc_id: d for d in (load_document(p) for p in (DIRECTIVE, *(FIXTURES / n for n in LAWS)))}


@cache
def _judge() -> Judge:
    return Judge(list(_documents().values()))


@cache
def _checker(doc_id: str) -> Checker:
    return checker_for([_documents()[doc_id]])


def _item(record: dict) -> QuizItem:
    return QuizItem.model_validate(record["item"])


def _name(record: dict) -> str:
    return f"{record['quiz']}#{record['index']}"


@pytest.mark.parametrize("record", VERDICTS["defective"], ids=_name)
def test_every_reviewed_defect_is_caught_by_a_judge_class(record: dict):
    item = _item(record)
    found = [name for name, check in _judge().classes().items() if check(item)]
    assert found, f"{record['classes']} {record['why']}"


@pytest.mark.parametrize("record", VERDICTS["defective"], ids=_name)
def test_every_reviewed_defect_is_rejected_by_a_gate(record: dict):
    item = _item(record)
    checker = _checker(item.doc_id)
    assert checker.problems(checker.verified(item)), f"{record['classes']} {record['why']}"


def test_the_judge_passes_most_items_the_reviewer_accepted():
    """The judge is stricter than the reviewer (it flags open fill-ins such as 建立相应的____ → 监督机制 and policies
    set against other policies), but it must not flag the bulk of what an exam writer accepts."""
    flagged = [_name(r) for r in VERDICTS["clean"] if any(check(_item(r)) for check in _judge().classes().values())]
    assert len(flagged) <= len(VERDICTS["clean"]) // 4, flagged
