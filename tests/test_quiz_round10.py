"""Round-10 rules of the quiz builder, from the round-9 blind review's defects on 《现役士兵服役条例》 and
《最高人民法院关于适用〈刑事诉讼法〉的解释》.

tests/fixtures/quiz/round9_items.json holds four items the reviewer exported and judged defective (verbatim);
tests/fixtures/quiz/round9/ holds the articles they come from (excerpts of the two laws). Each test re-gates the item
with the real checker over the real parsed excerpt, and a repaired variant that must still pass the same gate.
"""

from __future__ import annotations

import json

from assistant.quiz.number_cues import counts, keeps_list_order, list_neighbours, swap_plausible
from assistant.quiz.term_shapes import cuts_noun_phrase, shared_object_list
from tests.quiz_builds import gate_problems
from tests.quiz_judge import FIXTURES

EXCERPTS = FIXTURES / "round9"
ITEMS = json.loads((FIXTURES / "round9_items.json").read_text(encoding="utf-8"))


SOURCES = tuple(sorted(EXCERPTS.glob("*.md")))


def _problems(data: dict) -> list[str]:
    return gate_problems(data, SOURCES)


# --- rule 1: a key is a whole term ------------------------------------------------------------------------------


def test_a_blank_that_ends_inside_a_noun_phrase_cuts_a_term() -> None:
    text = "义务兵享受供给制生活待遇，按照军衔和服现役年限发给津贴。"
    assert cuts_noun_phrase(text, 0, len("义务兵享受供给制"))
    assert not cuts_noun_phrase(text, 0, len("义务兵享受供给制生活待遇"))


def test_the_reviewers_cut_term_key_is_rejected() -> None:
    assert "fragment" in _problems(ITEMS["cut_term"])


def test_verbs_sharing_an_object_or_a_modifier_are_no_list_of_keys() -> None:
    assert shared_object_list(["审查", "法定程序收集", "核实", "认定证据"])
    assert shared_object_list(["收集", "审查", "核实", "认定证据"])  # the shared object on the last verb
    assert shared_object_list(["法定程序收集", "审查", "核实", "认定"])  # the shared modifier on the first verb
    assert not shared_object_list(["收集", "审查", "核实", "认定"])  # bare verbs are parallel members
    assert not shared_object_list(["财务管理制度", "会计制度"])


def test_the_reviewers_shared_object_list_is_rejected() -> None:
    assert "fragment" in _problems(ITEMS["shared_object"])


# --- rule 2: a number in an ordered list keeps its place ----------------------------------------------------------


def test_a_number_options_stay_between_the_lists_neighbours() -> None:
    text = "证明被告人已满十二周岁、十四周岁、十六周岁、十八周岁或者不满七十五周岁的证据不足的"
    own = next(c for c in counts(text) if c.value == 16)
    assert sorted(n.value for n in list_neighbours(text, own)) == [14, 18]  # not 75: 或者不满 ends the list
    assert keeps_list_order(text, own, 15) and keeps_list_order(text, own, 17)
    assert not keeps_list_order(text, own, 21) and not keeps_list_order(text, own, 12)


def test_the_reviewers_sequence_item_is_rejected_and_a_fitting_one_is_not() -> None:
    item = ITEMS["sequence"]
    assert "numeric" in _problems(item)
    fitting = {**item, "options": ["十五", "十六", "十七"]}
    assert "numeric" not in _problems(fitting)


# --- rule 3: a changed number keeps the order the sentence states ------------------------------------------------


def test_a_changed_number_keeps_its_order_with_the_statements_numbers() -> None:
    text = "被告人实施被指控的犯罪时不满十八周岁、人民法院立案时不满二十周岁的案件，由未成年人案件审判组织审理"
    at = text.index("二十周岁")
    assert not swap_plausible(text, at, "二十", "四")
    assert not swap_plausible(text, at, "二十", "十六")
    assert swap_plausible(text, at, "二十", "二十二")


def test_the_reviewers_reversed_age_is_rejected_and_a_plausible_edit_is_not() -> None:
    item = ITEMS["stated_order"]
    assert "numeric" in _problems(item)
    stem = item["stem"].replace("不满四周岁", "不满二十二周岁")
    plausible = {**item, "stem": stem, "swap": {"original": "二十", "replacement": "二十二"}}
    assert "numeric" not in _problems(plausible)
