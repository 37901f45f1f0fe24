"""`policy-assistant mcp` over stdio, driven by the mcp SDK's own client: list the tools, call each."""

from __future__ import annotations

import json
import os
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from assistant.service import PolicyAssistant
from tests.conftest import COMMAND, DIRECTIVE_ID

TOOLS = {"search_clauses", "get_clause", "ask_policy", "list_documents"}


def payload(result: Any) -> dict[str, Any]:
    assert not result.is_error, result
    if result.structured_content is not None:
        return dict(result.structured_content)
    return json.loads(result.content[0].text)


@pytest.fixture(scope="module")
def session_results(directive_assistant: PolicyAssistant) -> dict[str, Any]:
    """One server process for the module: every call's result, collected in one session."""
    env = {
        "POLICY_ASSISTANT_DATA_DIR": str(directive_assistant.settings.data_dir),
        "POLICY_ASSISTANT_CORPUS_DIR": str(directive_assistant.settings.corpus_dir),
    }
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    server = StdioServerParameters(
        command=str(COMMAND), args=["mcp"], env=env, cwd=str(directive_assistant.settings.data_dir.parent)
    )

    async def run() -> dict[str, Any]:
        async with Client(server, read_timeout_seconds=240) as client:
            tools = (await client.list_tools()).tools
            return {
                "tools": {t.name: t for t in tools},
                "search": payload(await client.call_tool("search_clauses", {"query": "河长制", "k": 3})),
                "search_doc": payload(
                    await client.call_tool("search_clauses", {"query": "河长制", "k": 2, "doc": "no-such-doc"})
                ),
                "clause": payload(await client.call_tool("get_clause", {"doc": DIRECTIVE_ID, "clause": "十六"})),
                "missing": payload(await client.call_tool("get_clause", {"doc": DIRECTIVE_ID, "clause": "九十九"})),
                "ask": payload(await client.call_tool("ask_policy", {"question": "河长制有什么要求？"})),
                "documents": payload(await client.call_tool("list_documents", {})),
            }

    return anyio.run(run)


def test_the_four_tools_are_listed_with_chinese_and_english_descriptions(session_results):
    tools = session_results["tools"]
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in tool.description)
        assert any(word in tool.description for word in ("Search", "Get", "Answer", "List"))
    assert set(tools["search_clauses"].input_schema["properties"]) == {"query", "k", "doc"}
    assert tools["search_clauses"].input_schema["required"] == ["query"]


def test_search_clauses_returns_labels_and_verified_flags(session_results):
    found = session_results["search"]["clauses"]
    assert len(found) == 3
    assert "十六" in {c["clause"] for c in found}
    assert all(c["label"].startswith("《指导意见》") and c["verified"] is True for c in found)
    assert "no-such-doc" in session_results["search_doc"]["error"]


def test_get_clause_returns_the_text_label_and_status(session_results):
    clause = session_results["clause"]
    assert clause["label"] == "《指导意见》四、（十六）加快推进西部地区绿色发展"
    assert "全面推进河长制、湖长制" in clause["text"]
    assert clause["status"] == "现行有效" and clause["verified"] is True
    assert "九十九" in session_results["missing"]["error"]


def test_ask_policy_returns_a_verified_answer(session_results):
    answer = session_results["ask"]
    assert answer["refused"] is False and answer["verified"] is True
    assert answer["citations"]
    for citation in answer["citations"]:
        assert citation["verified"] is True and citation["label"].startswith("《指导意见》")
        assert f"“{citation['quote']}”[{citation['n']}]" in answer["answer"]


def test_list_documents(session_results):
    (document,) = session_results["documents"]["documents"]
    assert document["doc_id"] == DIRECTIVE_ID and document["clauses"] > 30
