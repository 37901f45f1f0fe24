"""The LLM layer: reasoning never reaches a caller, finish reasons and Retry-After are honoured.

Unit tests use the in-process FakeChat; one end-to-end path per caller goes over HTTP to FakeLLM.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from assistant.answer.condense import Exchange, RuleCondenser
from assistant.answer.llm import LLMCondenser
from assistant.evals.datasets import EvalItem
from assistant.evals.judge import Judge
from assistant.llm import Finish, LLMUnavailable, TextDelta, Thinking, collect, make_chat, strip_reasoning
from assistant.llm.reasoning import ReasoningFilter
from assistant.prompts import load_prompts
from assistant.settings import REPO_ROOT, LLMSettings
from assistant.types import Answer
from tests.fake_chat import FakeChat
from tests.fake_llm import FakeLLM

PROMPTS = load_prompts(REPO_ROOT / "prompts")
HISTORY = [Exchange("国家对西部地区的医疗有什么支持？", "国家对西部地区的医疗有什么支持？", "支持建立区域医疗中心。")]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


@pytest.fixture
def llm(server: FakeLLM) -> FakeLLM:
    server.reset()
    return server


def settings_for(server: FakeLLM, **extra: object) -> LLMSettings:
    return LLMSettings.model_validate({"base_url": server.url + "/v1", "api_key": "sk-x", "timeout": 3} | extra)


# --- reasoning stripping, hand-written expectations ---------------------------------------------


@pytest.mark.parametrize(
    ("raw", "visible"),
    [
        ("答案。", "答案。"),
        ("<think>先想想</think>答案。", "答案。"),
        ("<think>\n先想想\n</think>\n\n答案。", "答案。"),
        ("<THINK>大写</THINK>答案。", "答案。"),
        ("<thinking>想</thinking>答案。", "答案。"),
        ("<think>想到一半就被截断", ""),
        ("模板已打开思考，这是推理</think>答案。", "答案。"),
        ("答案一。<think>中途又想</think>答案二。", "答案一。答案二。"),
    ],
)
def test_reasoning_is_stripped_whole_and_streamed(raw, visible):
    assert strip_reasoning(raw) == visible
    # The streaming filter gives the same text whatever the chunking (except the template-opened case,
    # where the final strip_reasoning removes what streamed before </think>).
    for size in range(1, 8):
        chat = FakeChat(chunk_size=size)
        chat.enqueue(raw)
        assert strip_reasoning(chat.complete([])) == visible


def test_thinking_is_signalled_while_a_think_block_streams():
    events = []
    stream = ReasoningFilter()
    for piece in ["<thi", "nk>想", "一想</th", "ink>答", "案"]:
        events += list(stream.feed(piece))
    events += list(stream.flush())

    assert any(isinstance(e, Thinking) for e in events)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "答案"


# --- over HTTP: the real client ------------------------------------------------------------------


def test_reasoning_content_is_signalled_and_never_returned(llm):
    llm.enqueue_text("答案。", reasoning="这是推理过程，不能给用户看")
    chat = make_chat(settings_for(llm))

    events = list(chat.stream([{"role": "user", "content": "问"}]))

    assert any(isinstance(e, Thinking) for e in events)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "答案。"
    assert events[-1] == Finish("stop", {"prompt_tokens": 1, "completion_tokens": 3})  # one token per character


def test_length_finish_reason_marks_the_completion_truncated(llm):
    llm.enqueue_text("回答写到一半", finish_reason="length")

    completion = make_chat(settings_for(llm)).completion([{"role": "user", "content": "问"}])

    assert completion.truncated is True
    assert completion.text == "回答写到一半"


def test_retry_after_is_honoured(llm):
    llm.enqueue_status(429, headers={"Retry-After": "1"})
    llm.enqueue_text("好了。")
    chat = make_chat(settings_for(llm, max_retries=1))

    started = time.monotonic()
    text = chat.complete([{"role": "user", "content": "问"}])

    assert text == "好了。"
    assert time.monotonic() - started >= 0.95
    assert len(llm.chat_requests) == 2


def test_retry_after_beyond_the_deadline_fails_at_once(llm):
    llm.enqueue_status(429, headers={"Retry-After": "120"})
    chat = make_chat(settings_for(llm, max_retries=2))

    started = time.monotonic()
    with pytest.raises(LLMUnavailable) as failure:
        chat.complete([{"role": "user", "content": "问"}])

    assert time.monotonic() - started < 2
    assert "繁忙" in failure.value.reason
    assert len(llm.chat_requests) == 1


# --- callers: follow-up rewriting, the judge -------------------------------------------------------


def test_condenser_never_takes_reasoning_for_the_question(embedder):
    chat = FakeChat()
    chat.enqueue("<think>用户问教育，应该改写成完整问题</think>国家在教育方面对西部地区有哪些支持？")

    rewritten = LLMCondenser(chat, PROMPTS, RuleCondenser(embedder)).condense(HISTORY, "那教育方面呢？")

    assert rewritten == "国家在教育方面对西部地区有哪些支持？"
    assert "追问：那教育方面呢？" in chat.history[0][0]["content"]


def test_condenser_cut_off_inside_reasoning_uses_the_rules(embedder):
    chat = FakeChat()
    chat.enqueue("<think>用户问教育，我想", finish="length")

    rewritten = LLMCondenser(chat, PROMPTS, RuleCondenser(embedder)).condense(HISTORY, "那教育方面呢？")

    assert rewritten == "国家对西部地区的教育有什么支持？"


def test_condenser_over_http_strips_reasoning_content(llm, embedder):
    llm.enqueue_text("国家在教育方面对西部地区有哪些支持？", reasoning="先想一想<think>")
    condenser = LLMCondenser(make_chat(settings_for(llm)), PROMPTS, RuleCondenser(embedder))

    assert condenser.condense(HISTORY, "那教育方面呢？") == "国家在教育方面对西部地区有哪些支持？"


def _judged(chat: FakeChat) -> tuple[float | None, float | None]:
    item = EvalItem(id="x", question="问", key_facts=["要点"])
    answer = Answer(
        question="问", standalone_question="问", answer="答", refused=False, mode="llm", citations=[], hits=[]
    )
    verdict = Judge(chat, PROMPTS).judge(item, answer, {})
    return verdict.correctness, verdict.faithfulness


def test_judge_reads_the_verdict_after_the_reasoning():
    chat = FakeChat()
    chat.enqueue(
        '<think>草稿 {"correctness": 0.1, "faithfulness": 0.1}</think>{"correctness": 0.9, "faithfulness": 1.0}'
    )

    assert _judged(chat) == (0.9, 1.0)


def test_judge_whose_reply_is_only_reasoning_is_a_failure():
    chat = FakeChat()
    chat.enqueue('<think>{"correctness": 0.5, "faithfulness": 0.5}', finish="length")

    assert _judged(chat) == (None, None)


def test_collect_keeps_text_and_finish_reason():
    chat = FakeChat()
    chat.enqueue("<think>x</think>文本", finish="length")

    completion = collect(chat.stream([]))

    assert (completion.text, completion.finish_reason, completion.truncated) == ("文本", "length", True)


def test_usage_is_asked_for_and_reported_or_left_out_when_switched_off(llm):
    from tests.fake_llm import prompt_characters

    messages = [{"role": "user", "content": "问一个问题"}]
    llm.enqueue_text("答复")
    events = list(make_chat(settings_for(llm)).stream(messages))
    finish = next(e for e in events if isinstance(e, Finish))
    assert finish.usage == {"prompt_tokens": prompt_characters({"messages": messages}), "completion_tokens": 2}

    llm.enqueue_text("答复")
    events = list(make_chat(settings_for(llm, report_usage=False)).stream(messages))
    finish = next(e for e in events if isinstance(e, Finish))
    assert finish.usage is None
    assert "stream_options" not in llm.chat_requests[-1].body
