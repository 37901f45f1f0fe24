"""Round-12k rules of the quiz builder, from the round-12a blind review's defects: corrupt keys that hold a clause
(《医疗保障基金使用监督管理条例》) and institution swaps across branches or into bodies of another kind.

tests/fixtures/quiz/round12a/ holds the regulation (the source of the corrupt keys); round12a_items.json holds the
two items the reviewer exported and judged corrupt (verbatim). The builder, parser and checker are the real ones.
"""

from __future__ import annotations

import json

import pytest

from assistant.quiz.institutions import interchangeable, mixed_compound, swappable
from assistant.quiz.item_gates import second_answer
from assistant.quiz.provisions import same_listed_kind
from assistant.quiz.terms import clause_terms, holds_a_clause
from assistant.quiz.types import QuizItem
from tests.quiz_builds import parsed, source_checker, whole_quiz
from tests.quiz_judge import FIXTURES

EXCERPTS = FIXTURES / "round12a"
SOURCES = tuple(sorted(EXCERPTS.glob("*.md")))
MEDICAL = next(p for p in SOURCES if p.name.startswith("医疗保障基金"))
ITEMS = json.loads((FIXTURES / "round12a_items.json").read_text(encoding="utf-8"))


# --- rule 1: a key or option named as a measure or body holds no clause --------------------------------------------
@pytest.mark.parametrize(
    "word",
    [
        "人员负责医疗保障基金",
        "定点医药机构涉嫌骗取医疗保障基金",
        "医疗保障行政部门报告医疗保障基金",
        "所在部门涉及医疗保障基金",
    ],
)
def test_a_clause_is_no_term(word: str) -> None:
    assert holds_a_clause(word)


@pytest.mark.parametrize(
    "word", ["医疗保障基金", "全民医疗保障制度", "失业保险制度", "医疗保障基金使用内部管理制度", "跨部门会商工作机制"]
)
def test_a_name_is_a_term(word: str) -> None:
    assert not holds_a_clause(word)


def test_the_regulation_yields_no_clause_as_a_term() -> None:
    texts = {t.text for clause in parsed(MEDICAL).clauses for t in clause_terms(clause)[0]}
    assert "医疗保障基金" in texts
    assert not texts & {"人员负责医疗保障基金", "定点医药机构涉嫌骗取医疗保障基金", "医疗保障行政部门报告医疗保障基金"}


@pytest.mark.parametrize("entry", ITEMS, ids=[f"{e['quiz']}#{e['index']}" for e in ITEMS])
def test_the_reviewed_corrupt_keys_are_rejected(entry: dict) -> None:
    item = QuizItem.model_validate(entry["item"])
    checker = source_checker(SOURCES, item.doc_id)
    assert "fragment" in checker.problems(checker.verified(item))


@pytest.mark.parametrize("seed", [1201, 4409])
def test_quizzes_on_the_regulation_are_full_and_hold_no_clause(seed: int) -> None:
    items = whole_quiz(MEDICAL, seed, 10)
    assert len(items) == 10
    for item in items:
        if item.kind in ("measure", "institution") and item.type != "tf":
            assert not any(holds_a_clause(w) for w in [*item.options, *item.answer]), item.stem


# --- rule 2: a body is swapped only within its hierarchy, only when the table ranks both, and never into a name or
# relation with a body of another branch (X及其Y, X设立Y) --------------------------------------------------------
@pytest.mark.parametrize(
    ("original", "replacement"),
    [("常务委员会", "审判委员会"), ("村民委员会", "业主委员会")],
)
def test_absurd_body_swaps_are_refused(original: str, replacement: str) -> None:
    assert not interchangeable(original, replacement)
    assert not swappable(original, replacement)


@pytest.mark.parametrize(
    ("original", "replacement"),
    [
        ("村民委员会", "居民委员会"),
        ("国务院", "省、自治区、直辖市人民政府"),
        ("全国人民代表大会", "全国人民代表大会常务委员会"),
    ],
)
def test_bodies_of_one_branch_still_swap(original: str, replacement: str) -> None:
    assert swappable(original, replacement)


def test_unranked_bodies_are_not_swapped() -> None:
    assert not swappable("医疗保障经办机构", "医疗保障信息系统管理委员会")


def test_a_compound_never_joins_two_branches() -> None:
    stem = "“法律”，是指全国人民代表大会及其审判委员会制定、通过的规范性文件。"
    assert mixed_compound(stem, "审判委员会")
    assert not mixed_compound(stem.replace("审判委员会", "常务委员会"), "常务委员会")
    assert not mixed_compound("国务院设立国家禁毒委员会，负责组织、协调、指导全国的禁毒工作。", "国家禁毒委员会")
    body = "全国人民代表大会常务委员会"
    assert mixed_compound(f"国务院设立{body}，负责组织、协调、指导全国的禁毒工作。", body)
    assert not mixed_compound(f"{body}根据宪法和法律，制定涉及国家安全的行政法规，规定有关行政措施。", body)


# --- rule 3: a fill-in whose stretch stands word for word around another filler in its article is not asked ------
ARTICLE_6 = (
    "国务院医疗保障行政部门主管全国的医疗保障基金使用监督管理工作。国务院其他有关部门在各自职责范围内负责有关的医疗"
    "保障基金使用监督管理工作。\n县级以上地方人民政府医疗保障行政部门负责本行政区域的医疗保障基金使用监督管理工作。"
    "县级以上地方人民政府其他有关部门在各自职责范围内负责有关的医疗保障基金使用监督管理工作。"
)


def test_a_blank_with_a_second_verbatim_answer_is_found() -> None:
    body = "____其他有关部门在各自职责范围内负责有关的医疗保障基金使用监督管理工作。"
    assert second_answer(body, ["国务院"], ARTICLE_6)
    assert not second_answer("____医疗保障行政部门主管全国的医疗保障基金使用监督管理工作。", ["国务院"], ARTICLE_6)
    assert not second_answer("国务院____主管全国的医疗保障基金使用监督管理工作。", ["医疗保障行政部门"], ARTICLE_6)


def test_the_reviewed_fill_in_with_two_answers_is_rejected() -> None:
    entry = json.loads((FIXTURES / "round12a_second_answer.json").read_text(encoding="utf-8"))
    item = QuizItem.model_validate(entry["item"])
    checker = source_checker(SOURCES, item.doc_id)
    assert checker.problems(checker.verified(item))


# --- rule 4: a list question's distractors are of the keys' kind (the same ending) --------------------------------
def test_distractors_of_another_kind_than_the_keys_are_refused() -> None:
    evidence = [
        "严重违反法定程序收集的证据材料",
        "以违反法律强制性规定的手段获取且侵害他人合法权益的证据材料",
        "以利诱、欺诈、胁迫、暴力等手段获取的证据材料",
    ]
    assert not same_listed_kind(
        evidence, [*evidence, "社会影响重大的共同诉讼案件", "在行政复议等行政程序中被追加为第三人的"]
    )
    cases = ["社会影响重大的共同诉讼案件", "涉外或者涉及港澳台的案件"]
    assert not same_listed_kind(cases, [*cases, evidence[0], "行政行为实施主体不具有行政主体资格"])
    assert same_listed_kind(cases, [*cases, "本辖区内重大、复杂的案件"])
    assert same_listed_kind(
        ["未经批准擅自开采的", "超越批准范围的"], ["未经批准擅自开采的", "超越批准范围的", "伪造证件的"]
    )
