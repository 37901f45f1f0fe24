"""Round-12 rules of the quiz builder, from the round-11 and round-12b blind reviews' defects on
《进出口商品检验法》, 《农民承担费用和劳务管理条例》 and 《道路交通安全违法行为记分管理办法》.

tests/fixtures/quiz/round12_items.json holds items the reviewers exported and judged defective (verbatim);
tests/fixtures/quiz/round12/ holds the laws they come from. Each test re-gates the item with the real checker over
the real parsed law, or asks the real rule about the reviewers' sentences.
"""

from __future__ import annotations

import json
import random

from assistant.quiz.distractors import Distractors
from assistant.quiz.number_cues import fixed_by_word, period_tiers
from assistant.quiz.numerals import number_value
from assistant.quiz.soundness import modal_editable
from assistant.quiz.stems import dropped_connector, needs_premise, objectless_final_verb
from assistant.quiz.terms import Lexicon
from tests.quiz_builds import gate_problems, parsed
from tests.quiz_judge import FIXTURES

SOURCES = tuple(sorted((FIXTURES / "round12").glob("*.md")))
ITEMS = json.loads((FIXTURES / "round12_items.json").read_text(encoding="utf-8"))


def _problems(data: dict) -> list[str]:
    return gate_problems(data, SOURCES)


# --- rule 1: a statement ending on a verb whose object is in the sentence before is not asked alone -------------


def test_a_statement_ending_on_a_verb_without_its_object_needs_the_sentence_before() -> None:
    for stretch in ("商检机构根据需要可以派出检验人员参加", "有条件的地方，经县级以上人民政府批准，可以适当增加"):
        assert objectless_final_verb(stretch), stretch
        assert needs_premise(stretch, 0, len(stretch)), stretch
    for whole in (
        "商检机构可以派出检验人员参加检验工作",
        "判决由人民法院执行",
        "其他费用按照国家有关规定执行",
        "适时修订西部地区外商投资优势产业目录并进行动态调整",
    ):
        assert not objectless_final_verb(whole), whole


def test_the_reviewers_stems_without_their_object_are_rejected() -> None:
    for key in ("premise_join", "premise_increase", "premise_increase_swapped"):
        assert _problems(ITEMS[key]), key


# --- rule 4: a prohibition of a pejorative act of administrative law is not lifted ------------------------------


def test_a_prohibition_of_a_pejorative_act_is_not_made_a_permission() -> None:
    for text in ("五保户供养从乡统筹费中列支的，不得在村提留中重复列支", "所需经费不得向农民和集体经济组织摊派"):
        assert not modal_editable(text, text.index("不得"), "不得", 0, len(text)), text
    plain = "合规负责人不得在证券公司兼任其他职务"
    assert modal_editable(plain, plain.index("不得"), "不得", 0, len(plain))


def test_the_reviewers_lifted_pejorative_prohibitions_are_rejected() -> None:
    assert "edit" in _problems(ITEMS["wrongful_double"])
    assert "edit" in _problems(ITEMS["wrongful_levy"])


# --- rule 2: a stretch cut after its sentence's restrictive connector (其中，…) is not asked alone ---------------


def test_a_stretch_cut_after_a_restrictive_connector_needs_the_sentence_before() -> None:
    text = "驾驶人累积记分满12分的，应当参加为期七天的学习。其中，大型客车驾驶人应当参加为期三十天的学习。"
    cut = text.index("大型客车")
    assert dropped_connector(text, cut)
    assert needs_premise(text, cut, len(text))
    assert needs_premise(text, text.index("其中"), len(text))
    assert not dropped_connector(text, 0)
    assert not dropped_connector(text, text.index("应当参加为期七天"))


def test_the_reviewers_stem_without_its_connector_is_rejected() -> None:
    assert _problems(ITEMS["dropped_connector"])


# --- rule 3: a count fixed by a word of the stem is not asked; a period's distractors are the periods statutes use --


def test_a_count_fixed_by_a_word_of_the_stem_is_known() -> None:
    assert fixed_by_word("驾驶人单日连续参加现场学习超过三小时的，按照一天计入", 1, "天")
    assert not fixed_by_word("驾驶人单日连续参加现场学习超过三小时的，按照两天计入", 2, "天")
    assert not fixed_by_word("驾驶人应当参加为期七天的学习", 1, "天")


def test_the_reviewers_counts_given_by_sense_are_rejected() -> None:
    for key in ("single_day", "single_day_blank"):
        assert _problems(ITEMS[key]), key


def test_a_period_is_set_against_the_periods_statutes_use() -> None:
    assert 12 in period_tiers("个月") and 11 not in period_tiers("个月") and 13 not in period_tiers("个月")
    for document in (parsed(p) for p in SOURCES):
        for clause in document.clauses:
            if "记分周期为十二个月" not in clause.text:
                continue
            options = Distractors(
                Lexicon.build(document.clauses), clause, clause.text, random.Random(5), "medium"
            ).numeric("十二", "number", 3, [], unit="个月")
            assert len(options) == 3 and all(number_value(o) in period_tiers("月") for o in options), options
            return
    raise AssertionError("no article states the scoring period")
