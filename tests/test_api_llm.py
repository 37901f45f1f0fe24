"""The API in LLM mode, against the fake OpenAI-compatible endpoint: streamed deltas, then the verified answer."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.apikeys import api_key_store
from assistant.service import PolicyAssistant
from assistant.settings import LLMSettings
from tests.fake_llm import FakeLLM

RIVER = "河长制有什么要求？"


@pytest.fixture
def llm_api(writable_directive: PolicyAssistant) -> Iterator[tuple[TestClient, dict[str, str], FakeLLM, int]]:
    with FakeLLM() as fake:
        settings = writable_directive.settings.model_copy(update={"llm": LLMSettings(base_url=fake.url + "/v1")})
        assistant = PolicyAssistant(settings, embedder=writable_directive.embedder)
        ranked = assistant.searcher.retrieve(RIVER, settings.retrieval.k, None).ranked
        n = next(i for i, r in enumerate(ranked, start=1) if r.clause.clause == "十六")
        _, token = api_key_store(settings).add(f"llm-{id(fake)}", "civil_servant")
        with TestClient(create_app(settings, assistant)) as client:
            yield client, {"Authorization": f"Bearer {token}"}, fake, n


def test_ask_streams_the_model_text_then_the_verified_answer(llm_api):
    client, headers, fake, n = llm_api
    text = f"意见要求“全面推进河长制、湖长制”[{n}]。"
    fake.enqueue_text(text)
    with client.stream("POST", "/v1/ask", headers=headers, json={"question": RIVER, "stream": True}) as response:
        blocks = response.read().decode().strip().split("\n\n")
    events = [
        (b.split("\n")[0].removeprefix("event: "), json.loads(b.split("\n")[1].removeprefix("data: "))) for b in blocks
    ]
    deltas = [data["text"] for name, data in events if name == "delta"]
    assert len(deltas) > 1  # the model's chunks, as they came
    assert "".join(deltas) == text
    answer = dict(events)["answer"]
    assert answer["mode"] == "llm" and answer["answer"] == text
    assert [(c["clause"], c["verified"]) for c in answer["citations"]] == [("十六", True)]


def test_chat_stream_appends_the_verified_version_when_a_marker_was_removed(llm_api):
    client, headers, fake, n = llm_api
    fake.enqueue_text(f"意见要求“全面推进河长制、湖长制”[{n}]。另见补充规定[9]。")
    body = {"model": "policy-assistant", "messages": [{"role": "user", "content": RIVER}], "stream": True}
    with client.stream("POST", "/v1/chat/completions", headers=headers, json=body) as response:
        lines = [line for line in response.read().decode().split("\n") if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert f"\n\n核验后的回答：\n意见要求“全面推进河长制、湖长制”[{n}]。另见补充规定。" in text
    assert "提示：大模型引用了不存在的条款编号 [9]，已删除。" in text
    final = chunks[-1]
    assert final["choices"][0]["finish_reason"] == "stop"
    assert [(c["clause"], c["verified"]) for c in final["citations"]] == [("十六", True)]
