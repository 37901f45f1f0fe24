"""Eval runs end to end: the run folder and its reports, the run history, refusing invalid datasets,
the `policy-assistant eval` commands (check, run, gate, compare) and comparison of two runs that differ
in a known way."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.evals.compare import compare_runs, paired_bootstrap
from assistant.evals.datasets import InvalidDataset, load_dataset
from assistant.evals.runner import RunResult
from assistant.evals.runs import RunStore, evaluate
from assistant.service import PolicyAssistant
from assistant.settings import Settings
from tests.conftest import DIRECTIVE_CORPUS, REPO, clean_environment, run_cli

DEV = REPO / "evals" / "datasets" / "dev.jsonl"
RUN_FILES = {
    "config.json",
    "items.jsonl",
    "aggregates.json",
    "environment.json",
    "report.html",
    "report.md",
    "items.csv",
    "run.json",
}
MARKUP_QUESTION = "<b>x</b> 意见对河长制是怎么要求的？"
SMALL_SET = [
    {
        "id": "s-lookup",
        "question": MARKUP_QUESTION,
        "answerable": True,
        "gold_clauses": ["十六"],
        "key_facts": ["全面推进河长制、湖长制"],
        "type": "lookup",
    },
    {
        "id": "s-list",
        "question": "意见提出加快规划建设哪些重大铁路工程？",
        "answerable": True,
        "gold_clauses": ["六"],
        "key_facts": ["川藏铁路", "沿江高铁", "渝昆高铁"],
        "type": "list",
    },
    {
        "id": "s-multi",
        "question": "意见在远程教育和远程医疗方面分别有什么支持？",
        "answerable": True,
        "gold_clauses": ["二十二", "二十三"],
        "key_facts": ["开展远程教育,促进优质教学资源共享", "探索利用人工智能、互联网等开展远程医疗"],
        "type": "multi_clause",
    },
    {
        "id": "s-none",
        "question": "西部地区鼓励类产业企业所得税优惠税率是多少？",
        "answerable": False,
        "gold_clauses": [],
        "key_facts": [],
        "type": "unanswerable",
    },
    {
        "id": "s-talk",
        "turns": [
            {
                "question": "国家对西部地区的医疗有什么支持？",
                "gold_clauses": ["二十三"],
                "key_facts": ["支持在西部地区建立若干区域医疗中心"],
            },
            {"question": "那教育方面呢？", "gold_clauses": ["二十二"], "key_facts": ["发展现代职业教育"]},
        ],
    },
]
SMALL_IDS = ["s-lookup", "s-list", "s-multi", "s-none", "s-talk#1", "s-talk#2"]
BAD_SET = [
    {"id": "bad-1", "question": "第九十九条讲什么？", "gold_clauses": ["九十九"], "key_facts": ["某事"]},
    {"id": "bad-2", "question": "河长制？", "gold_clauses": ["十六"], "key_facts": ["全面推行河长制和湖长制"]},
]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def copy_data_dir(directive_assistant: PolicyAssistant, root: Path) -> Path:
    """A private copy of the session's indexed data dir: runs and history get written into it."""
    shutil.copytree(directive_assistant.settings.data_dir, root / "data")
    return root / "data"


def settings_for(data_dir: Path) -> Settings:
    with pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch, data_dir, data_dir.parent)
        return Settings(data_dir=data_dir)


# --- a run in the library ------------------------------------------------------


@pytest.fixture(scope="module")
def assistant(directive_assistant, embedder, tmp_path_factory) -> PolicyAssistant:
    data_dir = copy_data_dir(directive_assistant, tmp_path_factory.mktemp("runs-lib"))
    assistant = PolicyAssistant(settings_for(data_dir), embedder=embedder)
    assistant.ensure_index()
    return assistant


@pytest.fixture(scope="module")
def small_run(assistant, tmp_path_factory) -> tuple[RunResult, Path, list[tuple[int, int]]]:
    root = tmp_path_factory.mktemp("small-run")
    dataset = write_jsonl(root / "small.jsonl", SMALL_SET)
    progress: list[tuple[int, int]] = []
    run, folder = evaluate(
        assistant,
        dataset,
        "extractive",
        5,
        progress=lambda done, total: progress.append((done, total)),
        out=root / "run",
    )
    return run, folder, progress


def test_run_folder_holds_every_file(small_run):
    _, folder, _ = small_run
    assert {p.name for p in folder.iterdir()} == RUN_FILES


def test_run_scores_every_item_and_conversation_turn_in_order(small_run):
    run, _, progress = small_run
    assert [i.id for i in run.items] == SMALL_IDS
    assert [i.type for i in run.items] == ["lookup", "list", "multi_clause", "unanswerable", "multi_turn", "multi_turn"]
    assert run.counts == {
        "items": 6,
        "answerable": 5,
        "unanswerable": 1,
        "failed": run.counts["failed"],
        "fallbacks": 0,
        "judge_valid": 0,
        "judge_failures": 0,
        "unverified_quotes": run.counts["unverified_quotes"],
        "unsupported_claims": run.counts["unsupported_claims"],
    }
    assert progress == [(n, 6) for n in range(1, 7)]


def test_follow_up_turn_is_asked_with_the_conversation_so_far(small_run):
    follow_up = small_run[0].items[-1]
    assert follow_up.question == "那教育方面呢？"
    assert follow_up.standalone_question != follow_up.question


def test_unanswerable_item_in_a_run_is_scored_on_refusal(small_run):
    none = small_run[0].items[3]
    assert none.refused
    assert none.metrics["refusal_correct"] == 1.0
    assert none.metrics["key_fact_coverage"] is None
    assert not none.failed


def test_config_and_aggregates_files_describe_the_run(small_run):
    run, folder, _ = small_run
    config = json.loads((folder / "config.json").read_text("utf-8"))
    assert config["dataset"] == "small"
    assert (config["mode"], config["k"], config["repeat"], config["judge"]) == ("extractive", 5, 1, False)
    assert re.fullmatch(r"[0-9a-f]{16}", config["settings_hash"])
    summary = json.loads((folder / "aggregates.json").read_text("utf-8"))
    assert set(summary) == {"aggregates", "by_type", "latency", "counts"}
    assert summary["aggregates"] == run.aggregates
    assert set(summary["by_type"]) == {"lookup", "list", "multi_clause", "unanswerable", "multi_turn"}
    assert summary["by_type"]["unanswerable"]["refusal_correct"] == 1.0
    assert summary["by_type"]["unanswerable"]["key_fact_coverage"] is None
    assert set(summary["latency"]) == {
        f"{stage}_{q}_ms" for stage in ("retrieval", "answer", "total") for q in ("p50", "p95")
    }
    assert summary["counts"]["items"] == 6


def test_items_file_has_one_result_per_line(small_run):
    _, folder, _ = small_run
    lines = (folder / "items.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == SMALL_IDS
    assert json.loads(lines[0])["question"] == MARKUP_QUESTION


def test_environment_records_the_git_revision_and_versions(small_run):
    run, folder, _ = small_run
    environment = json.loads((folder / "environment.json").read_text("utf-8"))
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", environment["git_revision"])
    assert environment["packages"]["jieba"]
    assert environment == run.environment


def test_run_json_reloads_as_the_same_run(small_run, assistant):
    run, folder, _ = small_run
    assert RunResult.model_validate_json((folder / "run.json").read_text("utf-8")) == run
    assert RunStore(assistant.settings).load(str(folder)) == run
    assert RunStore(assistant.settings).load(run.run_id) == run


def test_html_report_is_self_contained(small_run):
    html = (small_run[1] / "report.html").read_text("utf-8")
    assert html.startswith("<!doctype html>")
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<link" not in lowered
    assert "@import" not in lowered
    assert "http://" not in lowered and "https://" not in lowered
    assert "<svg" in html  # the per-type charts are inline


def test_html_report_shows_every_item_with_its_answer(small_run):
    run, folder, _ = small_run
    html = (folder / "report.html").read_text("utf-8")
    for item_id in SMALL_IDS:
        assert item_id in html
    assert "川藏铁路" in html  # the list item's answer
    assert run.run_id in html
    assert str(run.environment["git_revision"]) in html


def test_html_report_escapes_question_text(small_run):
    html = (small_run[1] / "report.html").read_text("utf-8")
    assert "&lt;b&gt;x&lt;/b&gt; 意见对河长制是怎么要求的？" in html
    assert "<b>x</b>" not in html


def test_markdown_report_has_the_aggregates_and_types(small_run):
    run, folder, _ = small_run
    markdown = (folder / "report.md").read_text("utf-8")
    assert markdown.startswith(f"# 评测报告 {run.run_id}\n")
    assert "| 要点覆盖率 |" in markdown
    for kind in ("lookup", "list", "multi_clause", "unanswerable", "multi_turn"):
        assert f"| {kind} |" in markdown


def test_csv_report_parses_back_to_one_row_per_item(small_run):
    run, folder, _ = small_run
    rows = list(csv.DictReader(io.StringIO((folder / "items.csv").read_text("utf-8"))))
    assert [r["id"] for r in rows] == SMALL_IDS
    assert rows[0]["question"] == MARKUP_QUESTION
    assert rows[3]["key_fact_coverage"] == "—"
    assert rows[3]["refusal_correct"] == "1.000"
    for row, item in zip(rows, run.items, strict=True):
        assert row["type"] == item.type
        assert json.loads(row["citations"]) == [c.model_dump() for c in item.citations]


def test_run_is_recorded_in_the_history(small_run, assistant):
    run, folder, _ = small_run
    rows = {r["run_id"]: r for r in RunStore(assistant.settings).history()}
    assert run.run_id in rows
    entry = rows[run.run_id]
    assert (entry["dataset"], entry["mode"], entry["path"]) == ("small", "extractive", str(folder))
    assert entry["git_revision"] == run.environment["git_revision"]
    assert entry["aggregates"] == run.aggregates


def test_invalid_dataset_is_refused_and_writes_no_run(small_run, assistant, tmp_path):
    store = RunStore(assistant.settings)
    before = store.history()
    stored_before = sorted(p.name for p in store.root.iterdir())
    dataset = write_jsonl(tmp_path / "bad.jsonl", BAD_SET)
    with pytest.raises(InvalidDataset) as caught:
        evaluate(assistant, dataset, "extractive", 5, out=tmp_path / "run")
    assert [(p.row, p.item_id) for p in caught.value.problems] == [(1, "bad-1"), (2, "bad-2")]
    assert "第 1 行（bad-1）" in str(caught.value)
    assert not (tmp_path / "run").exists()
    assert store.history() == before
    assert sorted(p.name for p in store.root.iterdir()) == stored_before


# --- comparing runs -----------------------------------------------------------


def test_bootstrap_of_no_change_is_zero_to_zero():
    assert paired_bootstrap([0.0] * 12) == (0.0, 0.0)


@pytest.mark.parametrize("delta", [0.25, -0.5, 1.0])
def test_bootstrap_of_a_constant_change_is_that_change(delta):
    assert paired_bootstrap([delta] * 9) == (delta, delta)


def test_bootstrap_of_an_inexact_constant_change_is_that_change():
    low, high = paired_bootstrap([0.1] * 7)
    assert low == pytest.approx(0.1) and high == pytest.approx(0.1)


def test_bootstrap_interval_lies_within_the_observed_changes_and_is_reproducible():
    deltas = [-1.0, 0.0, 0.5, 0.0, -0.5, 1.0, 0.0, 0.0]
    low, high = paired_bootstrap(deltas)
    assert -1.0 <= low <= sum(deltas) / len(deltas) <= high <= 1.0
    assert paired_bootstrap(deltas) == (low, high)


# --- the command line ---------------------------------------------------------


def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, cwd=cwd)


@pytest.fixture(scope="module")
def home(directive_assistant, tmp_path_factory) -> tuple[dict[str, str], Path]:
    """Environment for the command: a copy of the session's data dir, nothing else of ours."""
    root = tmp_path_factory.mktemp("runs-cli")
    data_dir = copy_data_dir(directive_assistant, root)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICY_ASSISTANT_", "CHROMA_"))}
    env["POLICY_ASSISTANT_DATA_DIR"] = str(data_dir)
    env["POLICY_ASSISTANT_CORPUS_DIR"] = str(DIRECTIVE_CORPUS)
    env["COLUMNS"] = "1000"  # the error console must not wrap the lines the tests read
    return env, root


@pytest.fixture(scope="module")
def run_a(home) -> dict[str, object]:
    """The dev set run through `eval run --json --out`."""
    env, root = home
    result = cli(env, root, "eval", "run", str(DEV), "--json", "--out", str(root / "run-a"))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cli_check_accepts_the_dev_set(home):
    env, root = home
    result = cli(env, root, "eval", "check", str(DEV))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("数据集有效：")


def test_cli_check_lists_each_problem_with_its_row_and_exits_1(home, tmp_path):
    env, root = home
    result = cli(env, root, "eval", "check", str(write_jsonl(tmp_path / "bad.jsonl", BAD_SET)))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines == [
        "第 1 行（bad-1）：条款“九十九”在索引中不存在",
        "第 2 行（bad-2）：要点“全面推行河长制和湖长制”没有逐字出现在所列条款中",
    ]
    assert "内部错误" not in result.stderr


def test_cli_check_of_a_malformed_file_exits_2_naming_the_line(home, tmp_path):
    env, root = home
    path = tmp_path / "broken.jsonl"
    path.write_text('{"id": "x", "question": "问题"}\n{"id": \n', encoding="utf-8")
    result = cli(env, root, "eval", "check", str(path))
    assert result.returncode == 2
    assert "第 2 行" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_run_prints_json_and_writes_the_run_folder(run_a, home):
    _, root = home
    assert set(run_a) == {"run_id", "folder", "aggregates", "latency", "counts"}
    assert Path(str(run_a["folder"])) == (root / "run-a").resolve()
    assert {p.name for p in (root / "run-a").iterdir()} == RUN_FILES
    counts = run_a["counts"]
    assert isinstance(counts, dict) and counts["items"] == len(load_dataset(DEV))
    assert str(run_a["run_id"]).endswith("-dev-extractive")


def test_cli_run_of_an_invalid_dataset_exits_2_and_writes_nothing(home, tmp_path):
    env, root = home
    out = tmp_path / "never"
    result = cli(env, root, "eval", "run", str(write_jsonl(tmp_path / "bad.jsonl", BAD_SET)), "--out", str(out))
    assert result.returncode == 2
    assert "第 1 行（bad-1）" in result.stderr
    assert not out.exists()


def test_cli_history_lists_the_run(run_a, home):
    env, root = home
    result = cli(env, root, "eval", "history", "--json")
    assert result.returncode == 0, result.stderr
    assert run_a["run_id"] in [r["run_id"] for r in json.loads(result.stdout)]


def test_gate_passes_when_every_threshold_holds(run_a, home):
    env, root = home
    result = cli(
        env, root, "eval", "gate", str(run_a["run_id"]), "--min", "key_fact_coverage=0.5", "--min", "recall@5=0.5"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("通过：")


def test_gate_fails_below_a_minimum(run_a, home):
    env, root = home
    result = cli(env, root, "eval", "gate", str(run_a["folder"]), "--min", "key_fact_coverage=1.01")
    assert result.returncode == 1
    assert result.stdout.startswith("未通过：key_fact_coverage = ")
    assert "低于下限 1.01" in result.stdout


def test_gate_fails_above_a_maximum(run_a, home):
    env, root = home
    result = cli(env, root, "eval", "gate", str(run_a["run_id"]), "--max", "false_refusal=-1")
    assert result.returncode == 1
    assert "未通过：false_refusal = " in result.stdout
    assert "高于上限 -1.0" in result.stdout


def test_gate_fails_on_a_metric_the_run_has_no_value_for(run_a, home):
    env, root = home
    result = cli(env, root, "eval", "gate", str(run_a["run_id"]), "--min", "judge_correctness=0")
    assert result.returncode == 1
    assert "未通过：judge_correctness = 无" in result.stdout


def test_gate_lists_every_failed_threshold(run_a, home):
    env, root = home
    result = cli(
        env,
        root,
        "eval",
        "gate",
        str(run_a["run_id"]),
        "--min",
        "mrr=1.5",
        "--min",
        "hit@1=0",
        "--max",
        "false_refusal=-1",
    )
    assert result.returncode == 1
    failed = result.stdout.splitlines()
    assert len(failed) == 2
    assert failed[0].startswith("未通过：mrr") and failed[1].startswith("未通过：false_refusal")


def test_gate_on_an_unknown_metric_exits_2(run_a, home):
    env, root = home
    result = cli(env, root, "eval", "gate", str(run_a["run_id"]), "--min", "accuracy=0.9")
    assert result.returncode == 2
    assert "未知指标“accuracy”" in result.stderr
    assert "key_fact_coverage" in result.stderr  # names the metrics there are


def test_gate_on_a_malformed_threshold_exits_2(run_a, home):
    env, root = home
    result = cli(env, root, "eval", "gate", str(run_a["run_id"]), "--min", "key_fact_coverage")
    assert result.returncode == 2
    assert "指标=数值" in result.stderr


def test_gate_on_an_unknown_run_exits_2(home):
    env, root = home
    result = cli(env, root, "eval", "gate", "no-such-run", "--min", "mrr=0")
    assert result.returncode == 2
    assert "找不到评测运行“no-such-run”" in result.stderr


@pytest.fixture(scope="module")
def run_b(run_a, home) -> tuple[RunResult, RunResult, list[str]]:
    """Run A as stored, and run B: the same results with two fully covered items dropped to no coverage."""
    _, root = home
    store = RunStore(settings_for(root / "data"))
    a = store.load(str(run_a["run_id"]))
    b = a.model_copy(deep=True)
    b.run_id = a.run_id + "-b"
    dropped = [i.id for i in b.items if i.metrics["key_fact_coverage"] == 1.0][:2]
    assert len(dropped) == 2
    for item in b.items:
        if item.id in dropped:
            item.metrics["key_fact_coverage"] = 0.0
    store.save(b)
    return a, b, dropped


def test_compare_reports_the_hand_computed_coverage_delta(run_b):
    a, b, _ = run_b
    covered = [i.metrics["key_fact_coverage"] for i in a.items if i.metrics["key_fact_coverage"] is not None]
    n = len(covered)
    delta = next(d for d in compare_runs(a, b).deltas if d.metric == "key_fact_coverage")
    assert delta.n == n
    assert delta.a == pytest.approx(sum(covered) / n)
    assert delta.b == pytest.approx((sum(covered) - 2) / n)
    assert delta.delta == pytest.approx(-2 / n)


def test_two_dropped_items_out_of_many_are_not_significant(run_b):
    a, b, _ = run_b
    delta = next(d for d in compare_runs(a, b).deltas if d.metric == "key_fact_coverage")
    # Many resamples hold neither dropped item, so the upper end of the interval is exactly 0.
    assert delta.low is not None and delta.low < delta.delta
    assert delta.high == 0.0
    assert not delta.significant


def test_many_dropped_items_are_significant(run_b):
    a, _, _ = run_b
    c = a.model_copy(deep=True)
    dropped = [i for i in c.items if i.metrics["key_fact_coverage"] == 1.0][:12]
    for item in dropped:
        item.metrics["key_fact_coverage"] = 0.0
    delta = next(d for d in compare_runs(a, c).deltas if d.metric == "key_fact_coverage")
    assert delta.high is not None and delta.high < 0
    assert delta.significant


def test_compare_lists_exactly_the_changed_items_as_worse(run_b):
    a, b, dropped = run_b
    comparison = compare_runs(a, b)
    assert (comparison.run_a, comparison.run_b) == (a.run_id, b.run_id)
    assert [c.id for c in comparison.worse] == dropped
    assert all((c.metric, c.a, c.b) == ("key_fact_coverage", 1.0, 0.0) for c in comparison.worse)
    assert comparison.better == []


def test_unchanged_metrics_have_a_zero_delta_and_interval(run_b):
    a, b, _ = run_b
    deltas = {d.metric: d for d in compare_runs(a, b).deltas}
    for metric in ("recall@k", "mrr", "gold_cited", "refusal_correct", "false_refusal"):
        d = deltas[metric]
        assert (d.delta, d.low, d.high) == (0.0, 0.0, 0.0), metric
        assert not d.significant
    assert deltas["judge_correctness"].n == 0
    assert deltas["judge_correctness"].delta is None


def test_compare_in_the_other_direction_lists_the_items_as_better(run_b):
    a, b, dropped = run_b
    comparison = compare_runs(b, a)
    assert [c.id for c in comparison.better] == dropped
    assert comparison.worse == []


def test_cli_compare_prints_deltas_and_the_worse_items(run_b, home):
    env, root = home
    a, b, dropped = run_b
    result = cli(env, root, "eval", "compare", a.run_id, b.run_id)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "要点覆盖率" in out
    assert "变好：0 题" in out
    assert "变差：2 题" in out
    worse = out.split("变差：2 题", 1)[1]
    for item_id in dropped:
        assert f"  {item_id} " in worse
        assert "要点覆盖率 1.00 → 0.00" in worse


def test_cli_compare_json_is_the_library_comparison(run_b, home):
    env, root = home
    a, b, _ = run_b
    result = cli(env, root, "eval", "compare", a.run_id, b.run_id, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(compare_runs(a, b).model_dump_json())
