"""Round-7 rules of the quiz builder, from the round-6 blind review's defects on two regulations.

tests/fixtures/quiz/round6_items.json holds the items the reviewer exported from 《档案法实施条例》 and 《家用汽车产品修理
更换退货责任规定》 (both copied into tests/fixtures/quiz/), with the verdicts: `defective` (classes, why, borderline)
and `clean`. Each test re-gates them with the real checker over the real parsed documents.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from assistant.quiz.gates import Checker
from assistant.quiz.generate import OfflineGenerator
from assistant.quiz.number_cues import fixed_by_conversion, leaked_by_neighbour, swap_plausible
from assistant.quiz.stems import needs_premise, noun_phrase, objectless_disposal
from assistant.quiz.types import BuildRequest
from tests.quiz_builds import gate_problems, parsed, source_checker, whole_quiz
from tests.quiz_judge import FIXTURES

CAR = FIXTURES / "家用汽车产品修理更换退货责任规定(2021-07-22).md"
ARCHIVES = FIXTURES / "档案法实施条例(2024-01-12).md"
VERDICTS = json.loads((FIXTURES / "round6_items.json").read_text(encoding="utf-8"))


SOURCES = (CAR, ARCHIVES)


def _checker(doc_id: str) -> Checker:
    return source_checker(SOURCES, doc_id)


def _problems(data: dict) -> list[str]:
    return gate_problems(data, SOURCES)


def _defects(*classes: str) -> list[dict]:
    return [d for d in VERDICTS["defective"] if set(classes) & set(d["classes"])]


# --- rule 1: a numeric blank leaked by another number of its sentence -----------------------------------------


def test_a_number_told_by_a_step_of_the_same_period_is_not_asked() -> None:
    text = "单次修理时间超过5日（包括等待修理零部件时间）的，修理者应当自第6日起为消费者提供备用车。"
    assert leaked_by_neighbour(text, text.index("5日"))
    # A number of the same unit that is not a step of the same period tells nothing (2年 beside 包修期____年).
    other = "三包有效期不得低于2年或者行驶里程50,000公里；包修期不得低于3年或者行驶里程60,000公里。"
    assert not leaked_by_neighbour(other, other.index("3年"))
    # Another unit tells nothing either (60日内或者行驶里程3000公里).
    third = "自三包有效期起算之日起60日内或者行驶里程3000公里之内。"
    assert not leaked_by_neighbour(third, third.index("3000"))
    leaked = [d for d in _defects("M") if "第6日" in d["item"]["stem"]]
    assert len(leaked) == 2  # the single choice and the fill-in of 第二十一条
    for defect in leaked:
        assert "numeric" in _problems(defect["item"]), defect["quiz"]


# --- rule 2: an answer fixed by a conversion every reader knows ------------------------------------------------


def test_an_answer_fixed_by_a_common_conversion_is_not_asked() -> None:
    text = "以小时计算，每满24小时，为1日。"
    assert fixed_by_conversion(text, text.index("24"))
    assert fixed_by_conversion(text, text.index("1日"))
    share = "按照100%的比例给予补助。"
    assert fixed_by_conversion(share, share.index("100"))
    hours = "应当在24小时内报告。"  # a time limit in hours alone is the law's, not a conversion
    assert not fixed_by_conversion(hours, hours.index("24"))
    common = [d for d in _defects("M") if "每满" in d["item"]["stem"]]
    assert common and all("numeric" in _problems(d["item"]) for d in common)


# --- rule 3: a number swap keeps the unit relation plausible ---------------------------------------------------


def test_a_false_statement_keeps_units_and_definitions_plausible() -> None:
    definition = "单次修理时间，指自消费者与修理者确定修理之时至完成修理之时。以小时计算，每满24小时，为1日"
    assert not swap_plausible(definition, definition.index("1日"), "1", "3")
    anchor = "余下时间不足24小时的，以1日计"
    assert not swap_plausible(anchor, anchor.index("1日"), "1", "2")
    assert not swap_plausible("补助比例为80%", 5, "80", "160")  # beyond the unit's range
    period = "出口货物自出口之日起1年内原状复运进境的，不征收进口关税"  # a period of one year is no anchor
    assert swap_plausible(period, period.index("1年"), "1", "2")
    swaps = [d for d in _defects("J") if d["item"]["doc_id"] == parsed(CAR).doc_id]
    assert swaps and all("numeric" in _problems(d["item"]) for d in swaps)


def test_the_items_the_reviewer_accepted_still_pass() -> None:
    """No rule of this round costs an item the round-6 reviewer judged clean on these two regulations."""
    lost = [(c["quiz"], c["index"], _problems(c["item"])) for c in VERDICTS["clean"] if _problems(c["item"])]
    assert lost == []


@pytest.mark.parametrize("path", [CAR, ARCHIVES], ids=lambda p: p.stem)
def test_no_built_numeric_item_is_given_away(path: Path) -> None:
    """Whole-document quizzes on the two regulations hold no number told by a neighbour or a conversion."""
    for seed in (2713, 4421):
        for item in whole_quiz(path, seed):
            assert "numeric" not in _problems(item.model_dump(exclude={"id"})), item.stem


# --- rule 4: a stem is a statement, not a condition or a noun phrase; back-references carry their sentence -------


def test_a_stem_without_its_rule_or_its_antecedent_is_not_asked() -> None:
    assert noun_phrase("涉及国防、甲等的档案的目录数据")
    assert not noun_phrase("国家保障人民陪审员依法参加审判活动所需的经费")  # a subject before the verb: a statement
    assert not noun_phrase("制定本条例")
    assert objectless_disposal("档案主管部门应当在职责范围内予以指导")
    assert not objectless_disposal("人民陪审员因参加审判活动而支出的交通、就餐等费用，由人民法院依照有关规定给予补助")
    assert not objectless_disposal("县级以上人民政府对违法行为予以处罚")
    text = "生产者应当配备随车文件。随车提供工具、附件等物品的，还应当附随车物品清单。"
    assert needs_premise(text, text.index("随车提供"), len(text))
    text = "修理者应当提供备用车。经营者与消费者另有约定的，按照约定的方式予以补偿。"
    assert needs_premise(text, text.index("经营者"), len(text))
    cut = _defects("G")
    assert len(cut) == 9
    for defect in cut:
        assert _problems(defect["item"]), (defect["quiz"], defect["index"])


def test_a_stem_that_needs_the_sentence_before_carries_it() -> None:
    """第八条's 还应当附随车物品清单 is still asked, with the sentence that names 生产者 (within carry_max_chars)."""
    document = parsed(CAR)
    checker = _checker(document.doc_id)
    candidates = OfflineGenerator(checker.lexicon).candidates(
        document.clauses, BuildRequest(n=10, seed=1), random.Random(1)
    )
    kept = [c.stem for c in candidates if "随车物品清单" in c.stem and not checker.problems(checker.verified(c))]
    assert kept
    assert all("生产者" in stem for stem in kept), kept


# --- rule 5: a law's time limits are asked; the article number in the label tells nothing ------------------------


def test_a_time_limit_is_asked_although_the_label_holds_its_numeral() -> None:
    """《档案法实施条例》第二十条's 满二十年/满十年 were rejected as giveaways because the label says 第二十条."""
    document = parsed(ARCHIVES)
    checker = _checker(document.doc_id)
    candidates = OfflineGenerator(checker.lexicon).candidates(
        document.clauses, BuildRequest(n=10, seed=1), random.Random(1)
    )
    asked = {
        (c.type, c.answer[0])
        for c in candidates
        if c.type in ("single", "blank") and "第二十条" in c.stem and not checker.problems(checker.verified(c))
    }
    assert {("single", "二十"), ("blank", "二十"), ("single", "十"), ("blank", "十")} <= asked
    # A number the statement itself states is still a giveaway.
    leaked = next(c for c in candidates if c.type == "blank" and c.answer == ["二十"])
    stated = leaked.model_copy(update={"stem": leaked.stem.replace("。", "，满二十年。")})
    assert "giveaway" in checker.problems(checker.verified(stated))
