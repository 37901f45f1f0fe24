"""Follow-up questions become standalone ones without a model: the rule condenser and the dialogue datasets."""

from __future__ import annotations

import pytest

from assistant.answer.condense import Exchange, RuleCondenser, is_elliptical
from assistant.evals.datasets import load_conversations
from assistant.service import PolicyAssistant
from tests.conftest import REPO

MEDICAL = "国家对西部地区的医疗有什么支持？"
CHONGQING = "支持重庆发挥什么作用？"


def turn(question: str) -> Exchange:
    """An earlier turn whose question was already standalone."""
    return Exchange(question, question, "")


@pytest.fixture(scope="module")
def condenser(embedder) -> RuleCondenser:
    return RuleCondenser(embedder)


def test_follow_up_topic_replaces_the_earlier_topic(condenser):
    assert condenser.condense([turn(MEDICAL)], "那教育方面呢？") == "国家对西部地区的教育有什么支持？"


def test_follow_up_place_replaces_the_earlier_place(condenser):
    standalone = condenser.condense([turn(CHONGQING)], "云南呢？")

    assert "云南" in standalone
    assert "重庆" not in standalone
    assert standalone == "支持云南发挥什么作用？"


def test_chained_follow_ups_build_on_the_previous_standalone_question(condenser):
    yunnan = Exchange("云南呢？", condenser.condense([turn(CHONGQING)], "云南呢？"))

    assert condenser.condense([turn(CHONGQING), yunnan], "甘肃呢？") == "支持甘肃发挥什么作用？"


@pytest.mark.parametrize("question", ["意见对河长制有什么要求？", "乡村小规模学校建设有什么要求？"])
def test_complete_follow_up_is_kept_as_asked(condenser, question):
    assert not is_elliptical(question)
    assert condenser.condense([turn(MEDICAL)], question) == question


def test_first_question_is_kept_as_asked(condenser):
    assert condenser.condense([], "那教育方面呢？") == "那教育方面呢？"


@pytest.mark.parametrize("question", ["那教育方面呢？", "云南呢？", "还有金融支持", "那它的价格机制怎么改？"])
def test_short_follow_ups_are_recognised_as_elliptical(question):
    assert is_elliptical(question)


def test_multiturn_dataset_loads_with_gold_clauses_for_every_turn():
    conversations = load_conversations(REPO / "evals" / "datasets" / "multiturn.jsonl")

    assert len(conversations) == 8
    assert len({c.id for c in conversations}) == len(conversations)
    for conversation in conversations:
        assert len(conversation.turns) >= 2
        assert all(t.question and t.gold_clauses and t.key_facts for t in conversation.turns)
    first = conversations[0]
    assert [t.question for t in first.turns] == [MEDICAL, "那教育方面呢？"]


def test_follow_up_is_answered_as_its_standalone_question(directive_only_assistant: PolicyAssistant):
    first = directive_only_assistant.ask(MEDICAL)
    history = [Exchange(MEDICAL, first.standalone_question, first.answer)]

    follow_up = directive_only_assistant.ask("那教育方面呢？", history=history)

    assert first.standalone_question == MEDICAL
    assert "二十三" in {c.clause for c in first.citations}
    assert follow_up.question == "那教育方面呢？"
    assert follow_up.standalone_question == "国家对西部地区的教育有什么支持？"
    assert follow_up.refused is False
    assert "二十二" in {c.clause for c in follow_up.citations}
    assert all(c.verified for c in follow_up.citations)


def test_place_follow_up_is_answered_from_the_same_clause(directive_only_assistant: PolicyAssistant):
    first = directive_only_assistant.ask(CHONGQING)
    history = [Exchange(CHONGQING, first.standalone_question, first.answer)]

    follow_up = directive_only_assistant.ask("云南呢？", history=history)

    assert follow_up.standalone_question != follow_up.question
    assert "云南" in follow_up.standalone_question
    assert "八" in {c.clause for c in follow_up.citations}
    assert "云南" in follow_up.answer


TAX = "西部地区鼓励类产业企业所得税税率是多少？"


def test_follow_up_naming_a_new_subject_replaces_the_old_subject_instead_of_splicing(condenser):
    standalone = condenser.condense([turn(TAX)], "那教育方面呢？")

    assert "教育" in standalone
    assert "所得税" not in standalone
    assert "鼓励类教育" not in standalone
    assert "多少" not in standalone  # the old ask (a rate) does not fit the new subject


def test_question_that_leaves_the_topic_is_taken_as_asked(directive_only_assistant: PolicyAssistant):
    condenser = RuleCondenser(directive_only_assistant.embedder, known=directive_only_assistant.corpus_uses)

    assert condenser.condense([turn(TAX)], "明天北京天气怎么样？") == "明天北京天气怎么样？"


def test_question_that_leaves_the_topic_is_answered_on_its_own(directive_only_assistant: PolicyAssistant):
    first = directive_only_assistant.ask(TAX)
    history = [Exchange(TAX, first.standalone_question, first.answer)]

    answer = directive_only_assistant.ask("明天北京天气怎么样？", history=history)

    assert answer.standalone_question == "明天北京天气怎么样？"
    assert answer.refused
