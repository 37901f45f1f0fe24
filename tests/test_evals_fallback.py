"""An LLM run whose every model call fails falls back to extracts: the run counts the fallbacks, leaves
those items out of its llm figures, and fails `--max fallback_rate=0` (scripted OpenAI-compatible server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.evals.runs import evaluate, gate
from tests.fake_llm import FakeLLM
from tests.test_evals_judge import RIVER, TAX_RATE, copy_of_directive, write_jsonl


@pytest.fixture(scope="module")
def failing_server() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


def test_llm_run_whose_calls_all_fail_counts_fallbacks_and_fails_the_gate(
    failing_server, directive_assistant, embedder, tmp_path
):
    llm = {"base_url": failing_server.url + "/v1", "api_key": "sk-x", "model": "fake-model", "timeout": 5}
    llm["max_retries"] = 0
    assistant = copy_of_directive(directive_assistant, tmp_path / "home", embedder, llm)
    for _ in range(20):
        failing_server.enqueue_status(500, {"error": {"message": "boom"}})
    dataset = write_jsonl(tmp_path / "set.jsonl", [RIVER, TAX_RATE])
    run, folder = evaluate(assistant, dataset, "llm", 5, out=tmp_path / "run")
    answered = [i for i in run.items if not i.refused]
    assert answered and all(i.fallback for i in answered)
    assert run.counts["fallbacks"] == len(answered)
    assert run.aggregates["fallback_rate"] == pytest.approx(len(answered) / len(run.items))
    assert run.aggregates["key_fact_coverage"] is None  # no item was answered by the model
    assert gate(run, {}, {"fallback_rate": 0.0}) != []
    saved = json.loads((folder / "aggregates.json").read_text("utf-8"))
    assert saved["counts"]["fallbacks"] == len(answered)
    assert "降级回答比例" in (folder / "report.md").read_text("utf-8")
    assert Path(folder / "report.html").read_text("utf-8").count("降级") >= 2


def test_llm_run_records_the_tokens_the_endpoint_reports_and_compares_them(
    failing_server, directive_assistant, embedder, tmp_path
):
    from assistant.evals.compare import side_by_side
    from tests.fake_llm import prompt_characters

    llm = {"base_url": failing_server.url + "/v1", "api_key": "sk-x", "model": "fake-model", "timeout": 5}
    assistant = copy_of_directive(directive_assistant, tmp_path / "home", embedder, llm | {"max_retries": 0})
    reply = "文件中没有相关规定。"
    failing_server.reset()
    failing_server.enqueue_text(reply)
    dataset = write_jsonl(tmp_path / "set.jsonl", [RIVER])
    run, _ = evaluate(assistant, dataset, "llm", 5, out=tmp_path / "run")

    sent = failing_server.chat_requests[-1].body
    assert sent["stream_options"] == {"include_usage": True}
    expected = {"prompt_tokens": float(prompt_characters(sent)), "completion_tokens": float(len(reply))}
    assert run.items[0].tokens == expected
    assert run.latency["prompt_tokens_per_item"] == expected["prompt_tokens"]
    extractive, _ = evaluate(assistant, dataset, "extractive", 5, out=tmp_path / "run-extractive")
    assert extractive.items[0].tokens == {}
    table = side_by_side([run, extractive])
    assert table.rows["completion_tokens_per_item"] == [float(len(reply)), None]
