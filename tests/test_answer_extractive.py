"""The offline answerer on the shipped directive: verbatim key facts, cited gold clauses, calibrated refusals."""

from __future__ import annotations

import re

import pytest

from assistant.answer.refusal import NOT_FOUND
from assistant.cite import locate_quote
from assistant.evals.datasets import EvalItem, load_items
from assistant.prompts import load_prompts
from assistant.service import PolicyAssistant
from assistant.types import Answer, Clause, clause_key
from tests.conftest import REPO

DEV = {item.id: item for item in load_items(REPO / "evals" / "datasets" / "dev.jsonl")}
ANSWERABLE_CASES = [
    # lookup
    "dev-001",
    "dev-002",
    "dev-008",
    # number_date
    "dev-011",
    "dev-012",
    "dev-014",
    # list
    "dev-017",
    "dev-018",
    "dev-019",
    # paraphrase
    "dev-024",
    "dev-029",
    "dev-030",
    # multi_clause
    "dev-042",
    "dev-046",
    "dev-045",
]
# The calibrated similarity floor (0.875, chosen on dev) lets one off-topic question through: dev-058 scores
# 0.878. Listed here so the refusal tests stay exact and a change in either direction shows up.
KNOWN_REFUSAL_MISSES = {"dev-058"}
UNANSWERABLE = [i for i, item in DEV.items() if not item.answerable and i not in KNOWN_REFUSAL_MISSES]
_CLOSEST = re.compile(r"文件中最接近的表述是(《[^：]+)：“(.+)”，仅供参考。")


@pytest.fixture(scope="module")
def dev_answers(directive_only_assistant: PolicyAssistant) -> dict[str, Answer]:
    """Every dev question answered once, offline."""
    return {i: directive_only_assistant.ask(item.question, mode="extractive") for i, item in DEV.items()}


@pytest.fixture(scope="module")
def clauses(directive_only_assistant: PolicyAssistant) -> dict[str, Clause]:
    return directive_only_assistant.index.clauses


def assert_quotes_verbatim(answer: Answer, clauses: dict[str, Clause]) -> None:
    for citation in answer.citations:
        clause = clauses[f"{citation.doc_id}#{citation.clause}"]
        match = locate_quote(citation.quote, clause.text)
        assert citation.verified, citation
        assert match is not None, citation
        assert (match.start, match.end) == (citation.start, citation.end)


def test_dev_set_covers_every_question_type():
    chosen = {DEV[i].type for i in ANSWERABLE_CASES}
    assert chosen == {"lookup", "number_date", "list", "paraphrase", "multi_clause"}
    assert {DEV[i].type for i in UNANSWERABLE} == {"unanswerable"}


@pytest.mark.parametrize("item_id", ANSWERABLE_CASES)
def test_answer_quotes_the_key_facts_and_cites_the_gold_clause(item_id, dev_answers, clauses):
    item: EvalItem = DEV[item_id]
    answer = dev_answers[item_id]

    assert answer.refused is False
    assert answer.mode == "extractive"
    assert answer.notice is None
    for fact in item.key_facts:
        assert fact in answer.answer, f"{item.question}: missing {fact}"
    assert set(item.gold_clauses) <= {clause_key(c.doc_id, c.clause) for c in answer.citations}
    assert_quotes_verbatim(answer, clauses)


@pytest.mark.parametrize(
    ("question", "clause", "fact"),
    [
        ("到2035年西部地区要达到什么目标？", "总体要求", "到2035年,西部地区基本实现社会主义现代化"),
        ("支持哪些城市加快建设国际门户枢纽城市？", "十", "重庆、成都、西安等加快建设国际门户枢纽城市"),
        ("老年人照护有哪些安排？", "二十五", "探索建立长期照护保障体系"),
    ],
)
def test_reworded_questions_find_the_same_verbatim_facts(directive_only_assistant, clauses, question, clause, fact):
    answer = directive_only_assistant.ask(question)

    assert answer.refused is False
    assert fact in answer.answer
    assert clause in {c.clause for c in answer.citations}
    assert_quotes_verbatim(answer, clauses)


def test_every_quote_of_every_dev_answer_stands_verbatim_in_its_clause(dev_answers, clauses):
    quotes = 0
    for answer in dev_answers.values():
        assert_quotes_verbatim(answer, clauses)
        quotes += len(answer.citations)
    assert quotes >= len(DEV) - len(UNANSWERABLE)


def test_each_quote_is_shown_with_its_marker_and_clause_label(dev_answers):
    for item_id in ANSWERABLE_CASES:
        answer = dev_answers[item_id]
        assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
        for citation in answer.citations:
            assert f"“{citation.quote}”[{citation.n}]" in answer.answer
            assert f"{citation.label}提出：" in answer.answer


@pytest.mark.parametrize("item_id", UNANSWERABLE)
def test_question_the_directive_does_not_answer_is_refused(item_id, dev_answers):
    answer = dev_answers[item_id]

    assert answer.refused is True
    assert answer.answer.startswith("文件中没有找到")
    assert answer.citations == []
    assert answer.hits  # shown as related clauses
    assert answer.notice is None


def test_only_the_known_unanswerable_questions_are_answered(dev_answers):
    answered = {i for i, item in DEV.items() if not item.answerable and not dev_answers[i].refused}
    assert answered == KNOWN_REFUSAL_MISSES


def test_refusal_quotes_the_closest_sentence_verbatim(dev_answers, clauses):
    by_label = {c.label: c for c in clauses.values()}
    for item_id in UNANSWERABLE:
        answer = dev_answers[item_id]
        match = _CLOSEST.search(answer.answer)
        assert match, answer.answer
        label, sentence = match.groups()
        assert locate_quote(sentence, by_label[label].text) is not None


def test_refusal_starts_with_the_one_shared_phrase(dev_answers, directive_only_assistant):
    assert NOT_FOUND == "文件中没有找到"
    for item_id in UNANSWERABLE:
        assert dev_answers[item_id].answer.startswith(NOT_FOUND)
    # The prompts take the phrase from the same constant instead of spelling it out.
    prompts = load_prompts(directive_only_assistant.settings.prompts_dir)
    for name in ("answer_system", "answer_user"):
        assert NOT_FOUND not in prompts.templates[name]
        assert "{{not_found}}" in prompts.templates[name]
    assert NOT_FOUND in prompts.render("answer_system", not_found=NOT_FOUND)
