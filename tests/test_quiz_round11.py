"""Round-11 rules of the quiz builder, from the round-10 blind review's defects on 《矿产资源法》,
《证券公司监督管理条例》 and 《最高人民法院关于适用〈民法典〉婚姻家庭编的解释（一）》.

tests/fixtures/quiz/round10_items.json holds items the reviewer exported and judged defective (verbatim);
tests/fixtures/quiz/round10/ holds the articles they come from (excerpts of the three laws). Each test re-gates the
item with the real checker over the real parsed excerpt, or builds quizzes from the excerpt with the real builder.
"""

from __future__ import annotations

import json
import random

from assistant.quiz.distractors import Distractors
from assistant.quiz.institutions import interchangeable, rank_of
from assistant.quiz.number_cues import plural_minimum, swap_plausible, tier_like
from assistant.quiz.numerals import number_value
from assistant.quiz.provisions import provision_lists, related
from assistant.quiz.soundness import modal_editable
from assistant.quiz.stems import actorless_follower, subjectless_exception
from tests.quiz_builds import gate_problems, parsed, source_checker, whole_quiz
from tests.quiz_judge import FIXTURES

EXCERPTS = FIXTURES / "round10"
ITEMS = json.loads((FIXTURES / "round10_items.json").read_text(encoding="utf-8"))
SOURCES = tuple(sorted(EXCERPTS.glob("*.md")))
MINERALS = next(p for p in SOURCES if p.name.startswith("矿产资源法"))
SECURITIES = next(p for p in SOURCES if p.name.startswith("证券公司"))
MARRIAGE = next(p for p in SOURCES if p.name.startswith("最高人民法院"))


def _problems(data: dict) -> list[str]:
    return gate_problems(data, SOURCES)


def _quizzes(path, n: int = 20) -> list:
    return [item for seed in (2293, 8641, 11) for item in whole_quiz(path, seed, n)]


# --- rule 1: a body is swapped only for one of its kind and level -----------------------------------------------


def test_institutions_are_ranked_by_kind_and_level() -> None:
    assert rank_of("国务院") == rank_of("全国人民代表大会常务委员会")
    assert rank_of("居民委员会") is not None and rank_of("居民委员会").hierarchy != rank_of("国务院").hierarchy
    assert interchangeable("国务院", "国务院自然资源主管部门")
    assert interchangeable("国务院", "省、自治区、直辖市人民政府")
    assert interchangeable("国务院", "县级以上地方人民政府")
    assert not interchangeable("国务院", "居民委员会")
    assert not interchangeable("国务院", "村民委员会")
    assert not interchangeable("国务院", "乡、镇人民政府")  # too many levels below
    assert not interchangeable("人民法院", "人民检察院")
    assert interchangeable("居民委员会", "村民委员会")


def test_the_reviewers_self_governing_swaps_are_rejected() -> None:
    for name in ("residents_committee", "villagers_authorised"):
        assert "options" in _problems(ITEMS[name]), name
    true_statement = {**ITEMS["residents_committee"], "answer": ["正确"], "swap": None}
    true_statement["stem"] = true_statement["stem"].replace("居民委员会", "国务院")
    assert _problems(true_statement) == []


def test_no_quiz_swaps_a_state_organ_for_a_self_governing_body() -> None:
    swaps = [i.swap for i in _quizzes(MINERALS) if i.type == "tf" and i.kind == "institution" and i.swap]
    assert all(interchangeable(s.original, s.replacement) for s in swaps), swaps
    assert not any("委员会" in s.replacement and s.original == "国务院" for s in swaps)


# --- rule 2: a count the sentence makes plural stays plural, and is not asked at its least ---------------------


def test_a_count_of_parties_in_a_plural_sentence_has_a_least_value() -> None:
    text = "2个以上的证券公司受同一单位、个人控制或者相互之间存在控制关系的，不得经营相同的证券业务"
    assert plural_minimum(text, 0, 1) == 2
    assert not swap_plausible(text, 0, "2", "1")
    assert swap_plausible(text, 0, "2", "3")
    assert plural_minimum("2个以上的证券公司受同一单位控制的，不得经营相同的证券业务", 0, 1) is None


def test_the_reviewers_plural_count_edit_and_blank_are_rejected() -> None:
    assert "numeric" in _problems(ITEMS["plural_count"])
    assert "numeric" in _problems(ITEMS["plural_blank"])
    three = {**ITEMS["plural_count"], "stem": ITEMS["plural_count"]["stem"].replace("1个以上", "3个以上")}
    three["swap"] = {"original": "2", "replacement": "3"}
    assert "numeric" not in _problems(three)


# --- rule 3: a prohibition of a wrongful act is not lifted -------------------------------------------------------


def test_a_prohibition_of_a_wrongful_act_is_not_made_a_permission() -> None:
    text = "证券公司的股东不得违反国家规定，约定不按照出资比例行使表决权"
    assert not modal_editable(text, text.index("不得"), "不得", 0, len(text))
    for act in ("损害客户合法权益", "隐瞒有关情况", "侵犯他人商业秘密"):
        other = f"证券公司不得{act}"
        assert not modal_editable(other, other.index("不得"), "不得", 0, len(other)), act
    plain = "合规负责人不得在证券公司兼任其他职务"
    assert modal_editable(plain, plain.index("不得"), "不得", 0, len(plain))


def test_the_reviewers_lifted_prohibition_is_rejected() -> None:
    assert "edit" in _problems(ITEMS["wrongful_modal"])


# --- rule 4: a later sentence without its actor or its premise is not asked alone; a changed sum is a tier --------


def test_a_later_sentence_without_its_actor_or_premise_needs_the_sentence_before() -> None:
    follower = "对直接负责的主管人员和其他直接责任人员，给予警告，并处以3万元以上10万元以下的罚款"
    assert actorless_follower(follower)
    assert not actorless_follower("对违反规定的单位，由县级以上人民政府责令改正")
    assert subjectless_exception("涉及财产分割和子女抚养的，可以调解")
    assert not subjectless_exception("当事人涉及财产分割的，可以调解")
    assert not subjectless_exception("涉及财产分割和子女抚养的，人民法院可以调解")


def test_the_reviewers_stems_without_their_premise_are_rejected() -> None:
    assert "truncated" in _problems(ITEMS["lost_premise_fine"])
    assert "truncated" in _problems(ITEMS["lost_context"])


def test_no_quiz_asks_the_penalty_of_the_persons_in_charge_alone() -> None:
    for item in _quizzes(SECURITIES):
        assert not item.answer_span.startswith("对直接负责的主管人员"), item.stem


def test_a_changed_sum_is_a_statutory_tier() -> None:
    assert not tier_like(1.5, 3, "万元")
    assert tier_like(2, 3, "万元") and tier_like(5, 3, "万元") and tier_like(20000, 5000, "元")
    assert not tier_like(2500, 5000, "元")
    text = "对直接负责的主管人员和其他直接责任人员，给予警告，并处以3万元以上10万元以下的罚款"
    assert not swap_plausible(text, text.index("3万"), "3", "1.5")
    assert swap_plausible(text, text.index("3万"), "3", "5")


def test_a_later_sentence_stating_its_own_rule_is_still_asked() -> None:
    assert not actorless_follower("对婚姻效力的审理不适用调解，应当依法作出判决")


# --- rule 5: a statute's numbered list is asked as "which of these does the article list" -----------------------


def test_a_numbered_list_is_read_with_its_lead_in_and_noun() -> None:
    document = parsed(SECURITIES)
    lists = {c.clause: provision_lists(c) for c in document.clauses}
    (own,) = lists["第四十三条"]
    assert own.noun == "行为" and own.lead == "证券公司从事证券自营业务，不得有下列行为"
    assert "利用内幕信息买卖证券或者操纵证券市场" in [i.text for i in own.items]
    assert not any("其他" in i.text for i in own.items)  # a catch-all closes many lists: never an option
    (penalties,) = lists["第八十三条"]
    assert penalties.lead.endswith("有下列情形之一的……")  # the fines after the lead-in are not quoted
    (other,) = lists["第四十六条"]
    assert related(own, other)  # 自营业务 and 资产管理业务 forbid different acts
    assert not related(penalties, lists["第八十四条"][0])  # the same quoted lead-in: the learner could not tell


def test_a_law_quiz_asks_which_acts_an_article_lists() -> None:
    multis = [i for i in _quizzes(SECURITIES, 10) if i.type == "multi"]
    assert multis, "the regulation's numbered lists yield no multiple choice"
    document = parsed(SECURITIES)
    checker = source_checker(SOURCES, document.doc_id)
    for item in multis:
        assert (
            item.stem.startswith("《证券公司监督管理条例》第") and "规定：" in item.stem and "该条所列的" in item.stem
        )
        clause = next(c for c in document.clauses if c.clause == item.clause)
        assert all(a in clause.text for a in item.answer)
        assert not any(o in clause.text for o in item.options if o not in item.answer)
        assert checker.problems(checker.verified(item)) == []


def test_a_cut_item_is_no_option_of_a_listed_question() -> None:
    item = next(i for i in _quizzes(SECURITIES, 10) if i.type == "multi")
    cut = item.model_copy(update={"options": [o[:-2] if o not in item.answer else o for o in item.options]})
    assert "fragment" in gate_problems(cut.model_dump(), SOURCES)


# --- rule 6: a count's options neither centre nor divide on the key ----------------------------------------------


def test_a_counts_options_put_the_key_at_varying_ranks() -> None:
    document = parsed(MINERALS)
    checker = source_checker(SOURCES, document.doc_id)
    clause = next(c for c in document.clauses if c.clause == "第二十四条")
    ranks = set()
    for seed in range(20):
        picked = Distractors(checker.lexicon, clause, clause.text, random.Random(seed), "medium").numeric(
            "三十", "number", 3, ["三十"], unit="年"
        )
        values = sorted(number_value(o) for o in [*picked, "三十"])
        assert len(picked) == 3 and values != [15, 30, 45, 60]  # the key half, one and a half, twice: the centre
        ranks.add(values.index(30))
    assert len(ranks) >= 3


def test_a_single_choice_sets_no_self_governing_body_against_a_state_organ() -> None:
    base = ITEMS["residents_committee"]
    single = {
        **base,
        "type": "single",
        "stem": "《矿产资源法》第八条规定：战略性矿产资源目录由____确定并调整。",
        "options": ["国务院", "居民委员会", "村民委员会"],
        "answer": ["国务院"],
        "swap": None,
        "explanation": "正确答案是“国务院”。",
    }
    assert "options" in _problems(single)


def test_a_period_before_a_plural_word_is_no_count_of_parties() -> None:
    text = "无法在同意在线调解后两个工作日内共同选择调解组织或者调解员的"
    at = text.index("两")
    assert plural_minimum(text, at, at + 1) is None
