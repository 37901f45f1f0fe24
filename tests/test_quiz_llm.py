"""The LLM generator through the real `openai` client and a local server: JSON validated, every item verified."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from assistant.answer.llm import OpenAICompatibleChat
from assistant.errors import UserError
from assistant.quiz.build import build_quiz
from assistant.quiz.types import BuildRequest
from assistant.service import PolicyAssistant
from assistant.settings import LLMSettings
from tests.fake_llm import FakeLLM

CLAUSE_17_SPAN = "有序放开竞争性环节电价,深化输配电价改革"
GOOD = {
    "clause": 1,
    "type": "single",
    "stem": "意见提出有序放开竞争性环节电价，深化哪项改革？",
    "options": ["输配电价改革", "科技体制改革", "户籍制度改革", "财税体制改革"],
    "answer": ["输配电价改革"],
    "answer_span": CLAUSE_17_SPAN,
    "explanation": "第（十七）条要求深化输配电价改革。",
}
GOOD_BLANK = {
    "clause": 1,
    "type": "blank",
    "stem": "推进增量配电业务改革试点，开展（ ）。",
    "answer": ["电力现货交易试点"],
    "answer_span": "推进增量配电业务改革试点,开展电力现货交易试点",
}
MEASURE_SWAP = {
    "clause": 1,
    "type": "tf",
    "stem": "建立健全天然气弹性价格机制和绩效工资分配机制。",
    "options": ["正确", "错误"],
    "answer": ["错误"],
    "answer_span": "建立健全天然气弹性价格机制和上下游价格传导机制",
    "original": "上下游价格传导机制",
    "replacement": "绩效工资分配机制",
}
INVENTED = {**GOOD, "answer_span": "全面取消西部地区电价管制", "stem": "意见提出对西部地区电价怎么办？"}
SAME_CLAUSE_DISTRACTOR = {
    **GOOD,
    "stem": "意见提出有序放开竞争性环节电价，还要深化哪项价格改革？",
    "options": ["输配电价改革", "电价政策", "户籍制度改革", "财税体制改革"],
}
MALFORMED = {"clause": 1, "type": "single", "stem": "缺少答案的题"}
WRONG_CLAUSE = {**GOOD, "clause": 7}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


@pytest.fixture
def chat(server: FakeLLM) -> OpenAICompatibleChat:
    server.reset()
    settings = LLMSettings(base_url=server.url + "/v1", model="fake-model", timeout=5, max_retries=0)
    return OpenAICompatibleChat(settings)


def request(**changes: object) -> BuildRequest:
    return BuildRequest.model_validate({"scope": "十七", "n": 2, "seed": 1, "generator": "llm", **changes})


def test_llm_items_are_validated_verified_and_the_failures_counted(
    server: FakeLLM, chat: OpenAICompatibleChat, directive_assistant: PolicyAssistant
):
    reply = {"items": [GOOD, GOOD_BLANK, MEASURE_SWAP, INVENTED, SAME_CLAUSE_DISTRACTOR, MALFORMED, WRONG_CLAUSE]}
    server.enqueue_text("```json\n" + json.dumps(reply, ensure_ascii=False) + "\n```")
    result = build_quiz(directive_assistant, request(n=5), chat=chat)

    assert result.generator == "llm"
    report = result.report
    assert report.candidates == 7
    assert report.removed["invalid"] == 2  # no answer; a clause number that was never sent
    assert report.removed["source"] == 1  # the invented span is not in clause 十七
    assert report.removed["distractors"] == 1  # 电价政策 is stated by the same clause
    assert report.removed["edit"] == 1  # a measure swapped for a measure reads as word salad
    assert report.removed["duplicates"] == 0
    # A fill-in on a named measure (电力现货交易试点) is no fill-in since round 14, whoever writes it.
    assert report.removed["open"] == 1
    kept = {i.type: i for i in result.items}
    assert set(kept) == {"single"}
    assert kept["single"].answer == ["输配电价改革"] and kept["single"].origin == "llm"
    for item in result.items:
        assert item.clause == "十七" and item.span_start is not None
        assert item.label in item.explanation


def test_the_prompt_carries_the_clause_and_the_request(
    server: FakeLLM, chat: OpenAICompatibleChat, directive_assistant: PolicyAssistant
):
    server.enqueue_text(json.dumps({"items": [GOOD]}, ensure_ascii=False))
    build_quiz(directive_assistant, request(types=["single", "tf"], difficulty="hard"), chat=chat)
    (sent,) = server.chat_requests
    prompt = sent.message("user")
    clause = directive_assistant.index.clauses["western-development-guideline-2020#十七"]
    assert f"[1] {clause.label}\n<条款>{clause.text}</条款>" in prompt
    assert "单选题（single）、判断题（tf）" in prompt
    assert "难度：困难" in prompt
    assert sent.body is not None and sent.body["model"] == "fake-model"


def test_a_reply_that_is_not_json_is_counted_and_nothing_is_made_up(
    server: FakeLLM, chat: OpenAICompatibleChat, directive_assistant: PolicyAssistant
):
    server.enqueue_text("抱歉，我无法完成这个任务。")
    result = build_quiz(directive_assistant, request(), chat=chat)
    assert result.items == []
    assert result.report.removed["invalid"] == 1
    assert result.notices == ["所选范围只生成了 0 道合格题目（要求 2 道），可扩大范围或增加题型。"]


def test_an_unreachable_model_falls_back_to_the_offline_generator(
    server: FakeLLM, chat: OpenAICompatibleChat, directive_assistant: PolicyAssistant
):
    server.enqueue_status(500)
    result = build_quiz(directive_assistant, request(n=4, generator="auto", scope="八"), chat=chat)
    assert result.generator == "offline"
    assert result.notices[0] == "大模型服务内部错误，已改用离线出题。"
    assert len(result.items) == 4 and all(i.origin == "offline" for i in result.items)


def test_asking_for_the_llm_without_one_configured_is_refused(directive_assistant: PolicyAssistant):
    with pytest.raises(UserError, match="没有配置大模型接口"):
        build_quiz(directive_assistant, request())
