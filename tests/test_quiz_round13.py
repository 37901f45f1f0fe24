"""Round-13 rules of the quiz builder, from the round-13a and round-13b blind reviews' defects on
《民法典》总则编解释, 《建设工程施工合同解释（一）》, 《通用航空飞行管制条例》, 《出境入境管理法》,
《搜寻援救民用航空器规定》 and 《海事诉讼特别程序法》.

tests/fixtures/quiz/round13/ holds the laws (verbatim from lawrefbook). The whole-law tests run the real generator
and gates over a law and look for the reviewers' defective stems, quoted from their reports, among every candidate
that passes; the rule tests ask the rule about the reviewers' sentences and about sentences whose answer differs.
"""

from __future__ import annotations

import random
from functools import cache

from assistant.quiz.build import checker_for
from assistant.quiz.gates import apply_gates
from assistant.quiz.generate import OfflineGenerator
from assistant.quiz.provisions import distractor_items, one_word_apart, provision_lists
from assistant.quiz.soundness import modal_editable
from assistant.quiz.stems import dropped_topic, keeps_predicate, needs_premise
from assistant.quiz.types import BuildRequest, GateReport, QuizItem
from assistant.types import Clause, Document
from tests.quiz_builds import parsed
from tests.quiz_judge import FIXTURES

LAWS = FIXTURES / "round13"


def _law(prefix: str) -> Document:
    return parsed(next(LAWS.glob(f"{prefix}*.md")))


def _article(document: Document, label: str) -> Clause:
    return next(c for c in document.clauses if c.clause == label)


@cache
def _gated_pool(prefix: str) -> tuple[QuizItem, ...]:
    """Every candidate of the law that passes the gates, over three generator seeds."""
    document = _law(prefix)
    checker = checker_for([document])
    found: dict[str, QuizItem] = {}
    for seed in (1, 2, 3):
        request = BuildRequest(n=10, seed=seed, doc_ids=[document.doc_id])
        made = OfflineGenerator(checker.lexicon).candidates(document.clauses, request, random.Random(seed))
        for item in apply_gates(made, checker, GateReport(), []):
            found.setdefault(item.stem, item)
    return tuple(found.values())


def _bodies(prefix: str) -> list[str]:
    return [item.stem.split("：", 1)[1] for item in _gated_pool(prefix)]


# --- a stretch that leaves out its sentence's topic (对于…，) carries it or is not asked --------------------------


def test_a_stretch_without_its_sentences_topic_needs_the_topic() -> None:
    text = _article(_law("最高人民法院关于适用《民法典》总则编"), "第三条").text
    start = text.index("人民法院可以根据")
    assert dropped_topic(text, start)
    assert needs_premise(text, start, text.index("作出认定") + 4)
    # The same words after their subject's own phrase, or at the sentence's start, need nothing.
    other = "第三条 人民法院审理此类纠纷，可以根据权利行使的对象等因素作出认定。"
    assert not dropped_topic(other, other.index("可以"))
    assert not dropped_topic(text, text.index("对于"))


def test_a_stretch_without_its_sentences_condition_needs_it_unless_it_names_the_case_again() -> None:
    text = "第四十八条 发生病原微生物扩散，有可能造成传染病暴发、流行时，县级以上人民政府卫生主管部门应当进行处理。"
    start = text.index("县级以上")
    assert dropped_topic(text, start, len(text) - 1)
    named = "第九十四条 民政部门对慈善组织进行检查或者调查时，检查人员或者调查人员不得少于二人。"
    start = named.index("检查人员")
    assert not dropped_topic(named, start, len(named) - 1)


def test_the_reviewers_topicless_statement_is_no_candidate() -> None:
    bodies = _bodies("最高人民法院关于适用《民法典》总则编")
    assert bodies, "the law gives candidates"
    assert not [b for b in bodies if b.startswith("人民法院可以根据权利行使的对象")]
    assert [b for b in bodies if "人民法院应当认定构成滥用民事权利" in b], "the article's other sentences stay"


# --- a stretch that stops inside a framed phrase (从…方面) or after a concession (虽…) keeps going ----------------


def test_a_stretch_inside_a_framed_phrase_misses_its_predicate() -> None:
    text = _article(_law("最高人民法院关于适用《民法典》总则编"), "第五条").text
    start = text.index("人民法院可以从")
    cut = text.index("，", start)
    end = text.index("。", start)
    assert not keeps_predicate(text, start, cut, end)
    closed = "人民法院可以从行为的性质方面审查，并可以要求当事人说明情况。"
    assert keeps_predicate(closed, 0, closed.index("，"), len(closed) - 1)


def test_a_concession_waits_for_its_main_clause() -> None:
    text = _article(_law("最高人民法院关于审理建设工程"), "第十条").text
    start = text.index("当事人约定顺延工期")
    cut = text.index("，", text.index("虽"))
    end = text.index("。", start)
    assert not keeps_predicate(text, start, cut, end)
    plain = "当事人约定顺延工期应当经发包人签证确认，承包人应当及时申请，发包人应当及时答复。"
    assert keeps_predicate(plain, 0, plain.index("，"), len(plain) - 1)


def test_the_reviewers_half_sentences_are_no_candidates() -> None:
    bodies = _bodies("最高人民法院关于适用《民法典》总则编")
    assert not [b for b in bodies if b.rstrip("。").endswith("相关联的程度")]
    bodies = _bodies("最高人民法院关于审理建设工程")
    assert not [b for b in bodies if b.rstrip("。").endswith("承包人虽未取得工期顺延的确认")]


def test_具体_points_at_the_sentence_before() -> None:
    text = _article(_law("搜寻援救民用航空器规定"), "第二十九条").text
    start = text.index("具体补贴办法")
    assert needs_premise(text, start, text.index("。", start))
    bodies = _bodies("搜寻援救民用航空器规定")
    assert not [b for b in bodies if b.startswith("具体补贴办法")]
    assert [b for b in bodies if b.startswith("航空器执行搜寻援救任务所需经费") and "具体补贴办法" in b]


# --- modal edits that give themselves away or are defensible -----------------------------------------------------


def _editable(text: str, modal: str) -> bool:
    at = text.index(modal)
    end = text.find("。", at)
    return modal_editable(text, at, modal, 0, len(text) if end < 0 else end)


def test_an_exhortation_a_compliance_or_a_burden_is_not_made_optional() -> None:
    for text, modal in (
        (
            "为执行搜寻援救民用航空器的紧急任务，有关地方、部门、单位和人员必须积极行动，互相配合，努力完成任务。",
            "必须",
        ),
        ("在中华人民共和国境内从事通用航空飞行活动，必须遵守本条例。", "必须"),
        (
            "债权人应当在公告期间，就与被拍卖船舶有关的债权申请登记。公告期间届满不登记的，视为放弃在本次拍卖船舶价款中"
            "受偿的权利。",
            "应当",
        ),
    ):
        assert not _editable(text, modal), text
    for text in (
        "国务院宗教事务部门应当自收到报告之日起60日内，作出批准或者不予批准的决定。",
        "划设临时飞行空域的申请，应当在拟使用临时飞行空域7个工作日前向有关飞行管制部门提出。",
    ):
        assert _editable(text, "应当"), text


def test_the_reviewers_self_evident_modal_edits_are_no_candidates() -> None:
    assert not [b for b in _bodies("搜寻援救民用航空器规定") if "可以积极行动" in b]
    assert not [b for b in _bodies("通用航空飞行管制条例") if "可以遵守本条例" in b]


# --- terms and list options -----------------------------------------------------------------------------------------


def test_a_measure_word_before_a_verb_noun_head_ends_no_term() -> None:
    document = _law("最高人民法院关于审理建设工程")
    lexicon = checker_for([document]).lexicon
    terms = [t.text for found in lexicon.terms.values() for t in found]
    assert "法律规定履行工程" not in terms
    assert not [i for i in _gated_pool("最高人民法院关于审理建设工程") if "法律规定履行工程" in i.answer]


def test_a_list_item_one_word_from_a_listed_item_is_no_distractor() -> None:
    assert one_word_apart("飞行任务性质", "飞行活动性质")
    assert not one_word_apart("飞行任务性质", "飞行气象条件")
    assert not one_word_apart("飞行单位", "飞行单位")
    document = _law("通用航空飞行管制条例")
    lists = [p for c in document.clauses for p in provision_lists(c)]
    plan = next(p for p in lists if p.clause_key.endswith("#第十三条"))
    pool = distractor_items(lists, plan, _article(document, "第十三条").text)
    assert pool, "the other lists give distractors"
    assert "飞行活动性质" not in pool


def test_a_cited_articles_items_and_a_pointer_are_no_options() -> None:
    document = _law("出境入境管理法")
    lists = [p for c in document.clauses for p in provision_lists(c)]
    refused = next(p for p in lists if p.clause_key.endswith("#第二十五条"))
    assert not [i for i in refused.items if "第二十一条" in i.text], "a pointer at another article is no item"
    visa_items = {i.text for p in lists if p.clause_key.endswith("#第二十一条") for i in p.items}
    assert "在申请签证过程中弄虚作假或者不能保障在中国境内期间所需费用的" in visa_items
    pool = distractor_items(lists, refused, _article(document, "第二十五条").text)
    assert not set(pool) & visa_items
