"""The extractive answerer on real laws: first sentences quoted, statute wording, kinds checked, refusals."""

from __future__ import annotations

from assistant.answer.condense import Exchange
from assistant.answer.refusal import NOT_FOUND
from assistant.service import PolicyAssistant

YANYE = "烟叶税法-2017-12-27"


def test_an_articles_first_sentence_is_quoted(laws_assistant: PolicyAssistant):
    answer = laws_assistant.ask("烟叶税的税率是多少？")

    assert not answer.refused
    assert "烟叶税的税率为百分之二十。" in answer.answer
    first = answer.citations[0]
    assert (first.doc_id, first.clause) == (YANYE, "第四条")
    assert first.verified
    assert not first.quote.startswith("第四条")


def test_a_law_is_quoted_with_statute_wording(laws_assistant: PolicyAssistant):
    answer = laws_assistant.ask("《烟叶税法》第四条是怎么规定的？")

    assert answer.answer.startswith("《烟叶税法》第四条规定：")
    assert "提出" not in answer.answer
    assert [(c.doc_id, c.clause) for c in answer.citations] == [(YANYE, "第四条")]


def test_a_named_article_is_quoted_whole(laws_assistant: PolicyAssistant):
    answer = laws_assistant.ask("车船税法第七条是怎么规定的？")

    assert not answer.refused
    assert "车船税的纳税地点为车船的登记地或者车船税扣缴义务人所在地。" in answer.answer
    assert "依法不需要办理登记的车船" in answer.answer
    assert all(c.verified for c in answer.citations)


def test_an_institution_answers_a_where_question(laws_assistant: PolicyAssistant):
    answer = laws_assistant.ask("烟叶税应当向哪里申报缴纳？")

    assert not answer.refused
    assert "主管税务机关" in answer.answer


def test_an_on_topic_question_the_law_does_not_answer_is_refused(laws_assistant: PolicyAssistant):
    # The law names the place only as 登记地 / 所在地: no city is named anywhere.
    answer = laws_assistant.ask("车船税应当在哪几个城市缴纳？")

    assert answer.refused
    assert answer.answer.startswith(NOT_FOUND)
    assert answer.citations == []


def test_an_item_number_does_not_answer_a_number_question(laws_assistant: PolicyAssistant):
    answer = laws_assistant.ask("车船税的扣缴义务人有多少家？")

    assert answer.refused
    assert "数字" in answer.answer


def test_a_bare_article_follow_up_stays_in_the_documents_of_the_conversation(laws_assistant: PolicyAssistant):
    first = laws_assistant.ask("《烟叶税法》第四条是怎么规定的？")
    history = [Exchange(first.question, first.standalone_question, first.answer)]

    follow_up = laws_assistant.ask("第九条呢？", history=history)

    assert follow_up.standalone_question == "《烟叶税法》第九条是怎么规定的？"
    assert (follow_up.citations[0].doc_id, follow_up.citations[0].clause) == (YANYE, "第九条")


def test_a_bare_article_asked_in_full_is_read_in_the_document_of_the_conversation(laws_assistant: PolicyAssistant):
    first = laws_assistant.ask("烟叶税法对纳税地点是怎么规定的？")
    history = [Exchange(first.question, first.standalone_question, first.answer)]

    follow_up = laws_assistant.ask("请问第三条讲的是什么？", history=history)

    assert (follow_up.citations[0].doc_id, follow_up.citations[0].clause) == (YANYE, "第三条")


def test_a_specific_fact_about_something_the_documents_never_mention_is_refused(laws_assistant: PolicyAssistant):
    # The rate article (百分之二十) would satisfy the number check; 电子烟 appears in no clause.
    answer = laws_assistant.ask("烟叶税法对电子烟规定的税率是多少？")

    assert answer.refused
    assert "电子" in answer.answer  # the word the refusal names (jieba: 电子 | 烟)
