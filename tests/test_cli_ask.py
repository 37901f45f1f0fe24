"""`policy-assistant ask` and `chat`: JSON shapes, batch input, follow-ups, the LLM switch.

Most tests run in process with the session's assistant; one per command runs the installed console script.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.service import PolicyAssistant
from assistant.settings import LLMSettings
from tests.conftest import DIRECTIVE_ID, invoke_cli, run_cli
from tests.fake_llm import FakeLLM

ANSWER_KEYS = {
    "question",
    "standalone_question",
    "answer",
    "refused",
    "mode",
    "citations",
    "hits",
    "notice",
    "timings",
    "claims",
    "truncated",
    "sources_seen",
    "usage",
}
CITATION_KEYS = {"n", "doc_id", "clause", "label", "quote", "verified", "start", "end"}
RIVER = "河长制有什么要求？"
API_KEY = "sk-test-secret"


@pytest.fixture
def env(directive_assistant: PolicyAssistant) -> dict[str, str]:
    """A clean environment pointing at the session's directive index, so nothing is rebuilt."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("POLICY_ASSISTANT_", "CHROMA_"))}
    clean["POLICY_ASSISTANT_DATA_DIR"] = str(directive_assistant.settings.data_dir)
    clean["POLICY_ASSISTANT_CORPUS_DIR"] = str(directive_assistant.settings.corpus_dir)
    return clean


def run(env: dict[str, str], cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, stdin=stdin, cwd=cwd, timeout=300)


def one_line(text: str) -> str:
    """Rich wraps long stderr lines at the console width; compare the words only."""
    return "".join(text.split())


def test_ask_json_prints_one_answer_object(env, tmp_path):
    result = run(env, tmp_path, "ask", RIVER, "--json")

    assert result.returncode == 0, result.stderr
    assert "索引完成" not in result.stderr  # the session index was reused
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    answer = json.loads(lines[0])
    assert set(answer) == ANSWER_KEYS
    assert answer["question"] == answer["standalone_question"] == RIVER
    assert answer["mode"] == "extractive"
    assert answer["refused"] is False
    assert answer["notice"] is None
    assert "全面推进河长制、湖长制" in answer["answer"]
    assert answer["citations"]
    for citation in answer["citations"]:
        assert set(citation) == CITATION_KEYS
        assert citation["doc_id"] == DIRECTIVE_ID
        assert citation["verified"] is True
        assert f"“{citation['quote']}”[{citation['n']}]" in answer["answer"]
    assert "十六" in {c["clause"] for c in answer["citations"]}
    assert {"condense_ms", "retrieval_ms", "answer_ms", "total_ms"} <= set(answer["timings"])
    assert [h["rank"] for h in answer["hits"]] == list(range(1, len(answer["hits"]) + 1))


def test_ask_prints_the_answer_and_its_citations_for_people(directive_assistant):
    code, out, err = invoke_cli(directive_assistant, "ask", RIVER)

    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"问：{RIVER}"
    assert "全面推进河长制、湖长制" in lines[1]
    assert "引用：" in lines
    assert any(line.startswith("  [1] 《指导意见》") and "（已核实）" in line for line in lines)


def test_ask_batch_from_stdin_prints_one_json_line_per_question(directive_assistant):
    questions = [RIVER, "意见支持新疆加快建设什么核心区？"]

    code, out, err = invoke_cli(
        directive_assistant, "ask", "--batch", "-", "--json", stdin="\n".join(questions) + "\n\n"
    )

    assert code == 0, err
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["question"] for a in answers] == questions
    assert all(set(a) == ANSWER_KEYS for a in answers)
    assert "丝绸之路经济带核心区" in answers[1]["answer"]


def test_chat_jsonl_keeps_the_conversation_for_follow_ups(env, tmp_path):
    result = run(env, tmp_path, "chat", "--jsonl", stdin="国家对西部地区的医疗有什么支持？\n那教育方面呢？\n")

    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["standalone_question"] == first["question"]
    assert second["question"] == "那教育方面呢？"
    assert second["standalone_question"] != second["question"]
    assert second["standalone_question"] == "国家对西部地区的教育有什么支持？"
    assert "二十二" in {c["clause"] for c in second["citations"]}


def test_ask_in_llm_mode_without_an_endpoint_exits_2_with_a_chinese_hint(directive_assistant):
    code, out, err = invoke_cli(directive_assistant, "ask", RIVER, "--mode", "llm")

    assert code == 2
    assert out == ""
    assert one_line(err) == one_line(
        "错误：未配置大模型接口，无法使用 llm 模式。请设置 POLICY_ASSISTANT_LLM__BASE_URL，或改用 extractive 模式。"
    )


@pytest.fixture
def server() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


def test_ask_json_through_a_configured_endpoint_answers_in_llm_mode(env, tmp_path, server, directive_assistant):
    ranked = directive_assistant.searcher.retrieve(RIVER, directive_assistant.settings.retrieval.k, None).ranked
    n = next(i for i, r in enumerate(ranked, start=1) if r.clause.clause == "十六")
    text = f"意见要求“全面推进河长制、湖长制”[{n}]。"
    server.enqueue_text(text)
    env = env | {"POLICY_ASSISTANT_LLM__BASE_URL": server.url + "/v1", "POLICY_ASSISTANT_LLM__API_KEY": API_KEY}

    result = run(env, tmp_path, "ask", RIVER, "--json")

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["mode"] == "llm"
    assert answer["answer"] == text
    assert [(c["clause"], c["verified"]) for c in answer["citations"]] == [("十六", True)]
    (request,) = server.chat_requests
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in result.stdout + result.stderr
    log_file = directive_assistant.settings.data_dir / "logs" / "policy-assistant.log"
    assert API_KEY not in log_file.read_text("utf-8")


def test_chat_shows_the_cleaned_answer_when_a_streamed_marker_was_deleted(server, directive_assistant):
    ranked = directive_assistant.searcher.retrieve(RIVER, directive_assistant.settings.retrieval.k, None).ranked
    n = next(i for i, r in enumerate(ranked, start=1) if r.clause.clause == "十六")
    server.enqueue_text(f"意见要求“全面推进河长制、湖长制”[{n}]。另见补充规定[9]。")
    settings = directive_assistant.settings.model_copy(update={"llm": LLMSettings(base_url=server.url + "/v1")})
    with_llm = PolicyAssistant(settings, embedder=directive_assistant.embedder)

    code, out, err = invoke_cli(with_llm, "chat", stdin=RIVER + "\n")

    assert code == 0, err
    assert "提示：大模型引用了不存在的条款编号 [9]，已删除。" in out
    # The notice says [9] was deleted, so the answer the user is left with must not carry it.
    assert f"意见要求“全面推进河长制、湖长制”[{n}]。另见补充规定。" in out
