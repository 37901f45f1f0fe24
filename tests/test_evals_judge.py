"""The optional LLM judge: validated JSON or a recorded failure, never an invented number.

End to end, the real `openai` client talks to the local fake server; answers are extractive, so every
chat request the server sees is a judge request.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import UserError
from assistant.evals.judge import FAILED, parse_judgement
from assistant.evals.runner import RunResult, aggregate
from assistant.evals.runs import RunStore, evaluate
from assistant.service import PolicyAssistant
from assistant.settings import Settings
from tests.conftest import clean_environment
from tests.fake_llm import FakeLLM

RIVER = {
    "id": "j-river",
    "question": "意见对河长制是怎么要求的？",
    "answerable": True,
    "gold_clauses": ["十六"],
    "key_facts": ["全面推进河长制、湖长制"],
    "type": "lookup",
}
AIR = {
    "id": "j-air",
    "question": "乌鲁木齐及周边地区的大气污染治理有什么要求？",
    "answerable": True,
    "gold_clauses": ["十五"],
    "key_facts": ["加强区域大气污染联防联控", "提高重污染天气应对能力"],
    "type": "lookup",
}
RAIL = {
    "id": "j-rail",
    "question": "意见提出加快规划建设哪些重大铁路工程？",
    "answerable": True,
    "gold_clauses": ["六"],
    "key_facts": ["川藏铁路", "沿江高铁", "渝昆高铁"],
    "type": "list",
}
TAX_RATE = {
    "id": "j-tax",
    "question": "西部地区鼓励类产业企业所得税优惠税率是多少？",
    "answerable": False,
    "gold_clauses": [],
    "key_facts": [],
    "type": "unanswerable",
}


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def copy_of_directive(directive_assistant: PolicyAssistant, root: Path, embedder, llm: dict | None = None):
    """A private copy of the session's data dir (runs get written there), its index reused."""
    shutil.copytree(directive_assistant.settings.data_dir, root / "data")
    with pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch, root / "data", root)
        settings = Settings(data_dir=root / "data", llm=llm or {})
    assistant = PolicyAssistant(settings, embedder=embedder)
    assistant.ensure_index()
    return assistant


# --- parsing the judge's reply ------------------------------------------------


def test_valid_json_gives_both_scores():
    verdict = parse_judgement('{"correctness": 0.8, "faithfulness": 0.6, "reason": "遗漏一个要点"}')
    assert verdict.ok
    assert (verdict.correctness, verdict.faithfulness, verdict.reason) == (0.8, 0.6, "遗漏一个要点")


def test_json_inside_a_code_fence_gives_both_scores():
    text = '好的，评审结果如下：\n```json\n{"correctness": 1, "faithfulness": 0.5, "reason": "基本忠实"}\n```\n'
    verdict = parse_judgement(text)
    assert verdict.ok
    assert (verdict.correctness, verdict.faithfulness) == (1.0, 0.5)


def test_scores_at_the_bounds_are_accepted():
    verdict = parse_judgement('{"correctness": 0, "faithfulness": 1}')
    assert (verdict.correctness, verdict.faithfulness, verdict.ok) == (0.0, 1.0, True)


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param("这个回答非常准确，我给满分。", id="prose"),
        pytest.param("", id="empty"),
        pytest.param("{}", id="empty-object"),
        pytest.param('{"correctness": 1.5, "faithfulness": 0.5}', id="above-one"),
        pytest.param('{"correctness": 0.5, "faithfulness": -0.1}', id="below-zero"),
        pytest.param('{"correctness": 0.8, "reason": "忘了忠实度"}', id="missing-field"),
        pytest.param('{"correctness": 0.8, "faithfulness": 0.9', id="truncated"),
        pytest.param('{"correctness": NaN, "faithfulness": 0.5}', id="nan"),
        pytest.param('{"correctness": Infinity, "faithfulness": 0.5}', id="infinity"),
        pytest.param('{"correctness": null, "faithfulness": 0.5}', id="null"),
        pytest.param('{"correctness": "高", "faithfulness": 0.5}', id="word"),
        pytest.param("[0.8, 0.9]", id="array"),
        pytest.param('{"correctness": true, "faithfulness": true}', id="booleans"),
    ],
)
def test_a_malformed_reply_is_a_failed_judgement_not_a_number(reply):
    verdict = parse_judgement(reply)
    assert verdict == FAILED
    assert not verdict.ok
    assert verdict.correctness is None
    assert verdict.faithfulness is None


# --- a judged run through the fake server -------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


@pytest.fixture(scope="module")
def judged_assistant(server, directive_assistant, embedder, tmp_path_factory) -> PolicyAssistant:
    llm = {"base_url": server.url + "/v1", "api_key": "sk-judge", "model": "fake-model", "timeout": 5, "max_retries": 0}
    return copy_of_directive(directive_assistant, tmp_path_factory.mktemp("judge"), embedder, llm)


@pytest.fixture(scope="module")
def judged_run(server, judged_assistant, tmp_path_factory) -> tuple[RunResult, Path]:
    root = tmp_path_factory.mktemp("judged-run")
    dataset = write_jsonl(root / "judge-set.jsonl", [RIVER, AIR, RAIL, TAX_RATE])
    server.reset()
    # Two repeats per answerable item, in dataset order; the unanswerable item is never judged.
    server.enqueue_text('{"correctness": 0.8, "faithfulness": 1.0, "reason": "要点齐全"}')
    server.enqueue_text('{"correctness": 0.4, "faithfulness": 1.0, "reason": "只答了一半"}')
    server.enqueue_text("我觉得这个回答还不错，可以给八分。")
    server.enqueue_text('```json\n{"correctness": 0.9, "faithfulness": 0.7, "reason": "基本正确"}\n```')
    server.enqueue_text('{"correctness": 1.5, "faithfulness": 0.9, "reason": "超出范围"}')
    server.enqueue_status(400, "scripted bad request")
    return evaluate(judged_assistant, dataset, "extractive", 5, repeat=2, use_judge=True, out=root / "run")


def test_every_answered_item_is_judged_once_per_repeat(server, judged_run):
    run, _ = judged_run
    requests = server.chat_requests
    assert len(requests) == 6
    assert server.pending == 0
    asked = [next(q for q in (RIVER, AIR, RAIL) if str(q["question"]) in r.message("user"))["id"] for r in requests]
    assert asked == ["j-river", "j-river", "j-air", "j-air", "j-rail", "j-rail"]
    assert all(r.body and r.body["model"] == "fake-model" for r in requests)
    assert [i.judge_failures for i in run.items] == [0, 1, 2, 0]


def test_judge_prompt_carries_the_key_facts_the_cited_clause_and_the_answer(server, judged_run):
    run, _ = judged_run
    prompt = server.chat_requests[0].message("user")
    river = run.items[0]
    assert "- 全面推进河长制、湖长制" in prompt
    assert river.answer in prompt
    assert river.citations, "the extractive answer cites clause 十六"
    assert river.citations[0].label in prompt
    assert "推进绿色小水电改造" in prompt  # clause 十六's text, from the index
    assert "{{" not in prompt


def test_judge_scores_average_over_repeats_with_their_spread(judged_run):
    river = judged_run[0].items[0]
    assert river.metrics["judge_correctness"] == pytest.approx(0.6)
    assert river.metrics["judge_faithfulness"] == pytest.approx(1.0)
    assert river.spread["judge_correctness"] == pytest.approx(0.2)
    assert river.spread["judge_faithfulness"] == pytest.approx(0.0)


def test_a_garbage_judgement_is_left_out_of_the_average(judged_run):
    air = judged_run[0].items[1]
    assert air.metrics["judge_correctness"] == pytest.approx(0.9)
    assert air.metrics["judge_faithfulness"] == pytest.approx(0.7)
    assert air.judge_failures == 1
    assert "judge_correctness" not in air.spread  # one valid judgement has no spread


def test_an_item_whose_judgements_all_failed_has_no_judge_score(judged_run):
    rail = judged_run[0].items[2]
    assert rail.judge_failures == 2
    assert rail.metrics["judge_correctness"] is None
    assert rail.metrics["judge_faithfulness"] is None
    assert rail.metrics["key_fact_coverage"] is not None  # the deterministic metrics still count


def test_unanswerable_item_is_not_judged(judged_run):
    tax = judged_run[0].items[3]
    assert tax.refused
    assert tax.metrics["refusal_correct"] == 1.0
    assert tax.metrics["judge_correctness"] is None
    assert tax.judge_failures == 0


def test_run_aggregates_judge_scores_over_valid_judgements_and_counts_failures(judged_run):
    run, folder = judged_run
    assert run.config.judge is True
    assert run.config.repeat == 2
    # 3 of 6 verdicts failed: below the default minimum coverage (0.8) the judge means are withheld.
    assert run.aggregates["judge_correctness"] is None
    assert run.aggregates["judge_faithfulness"] is None
    assert run.aggregates["judge_failure_rate"] == pytest.approx(3 / 6)
    overall, _ = aggregate(run.items, judge_min_coverage=0.5)
    assert overall["judge_correctness"] == pytest.approx((0.6 + 0.9) / 2)
    assert overall["judge_faithfulness"] == pytest.approx((1.0 + 0.7) / 2)
    assert run.counts["judge_failures"] == 3
    assert run.counts["judge_valid"] == 3
    # Extractive answers do not vary between repeats: their spread is recorded as zero.
    assert run.items[0].spread["key_fact_coverage"] == 0.0
    saved = [json.loads(line) for line in (folder / "items.jsonl").read_text("utf-8").splitlines()]
    assert saved[2]["metrics"]["judge_correctness"] is None
    assert saved[2]["judge_failures"] == 2
    assert json.loads((folder / "aggregates.json").read_text("utf-8"))["counts"]["judge_failures"] == 3


def test_judge_without_a_configured_llm_is_refused_before_anything_runs(directive_assistant, embedder, tmp_path):
    assistant = copy_of_directive(directive_assistant, tmp_path / "plain", embedder)
    dataset = write_jsonl(tmp_path / "set.jsonl", [RIVER])
    with pytest.raises(UserError, match="POLICY_ASSISTANT_LLM__BASE_URL"):
        evaluate(assistant, dataset, "extractive", 5, use_judge=True, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()
    assert RunStore(assistant.settings).history() == []
