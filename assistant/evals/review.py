"""Human review of eval items: confirm or override verdicts, fix gold and key facts, with who and when.

Reviews are stored in SQLite under the data dir and never change a run folder: the raw figures stay as
computed, and `reviewed_figures` recomputes the run's figures from its item results plus the latest review
of each item, so both can be shown side by side.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from assistant.errors import UserError
from assistant.evals import metrics as m
from assistant.evals.datasets import Dataset, EvalItem, check_dataset, load_items
from assistant.evals.feedback_export import NEEDS_REVIEW
from assistant.evals.runner import JUDGE_METRICS, ItemResult, RunResult, aggregate
from assistant.settings import Settings
from assistant.types import Clause

Verdict = Literal["pass", "fail"]
FEEDBACK = "feedback"  # run_id under which feedback drafts are reviewed
REVIEWED_DATASET = "feedback-reviewed.jsonl"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL
)
"""


class Review(BaseModel):
    """One evaluator decision on one item; a field left None keeps what the run (or an earlier review) had."""

    run_id: str
    item_id: str
    reviewer: str
    created_at: str = ""
    verdict: Verdict | None = Field(None, description="Overrides the item's pass/fail; None confirms it.")
    judge_correctness: float | None = Field(None, ge=0, le=1, description="Replaces the judge's correctness.")
    judge_faithfulness: float | None = Field(None, ge=0, le=1, description="Replaces the judge's faithfulness.")
    gold_clauses: list[str] | None = Field(None, description="Corrected gold as doc_id#clause keys.")
    key_facts: list[str] | None = None
    question: str | None = Field(None, description="Feedback drafts only: the reviewed question.")
    answerable: bool | None = Field(None, description="Feedback drafts only.")
    type: str | None = Field(None, description="Feedback drafts only: the question type.")
    note: str = ""

    @field_validator("gold_clauses")
    @classmethod
    def _qualified(cls, keys: list[str] | None) -> list[str] | None:
        bare = [k for k in keys or [] if "#" not in k or k.startswith("#") or k.endswith("#")]
        if bare:
            raise ValueError(f"标准条款须写成“文档编号#条款”：{'、'.join(bare)}")
        return keys

    @property
    def changes(self) -> list[str]:
        """What this review changed, in Chinese, for the audit table."""
        parts = []
        if self.verdict:
            parts.append("改判为" + ("通过" if self.verdict == "pass" else "未通过"))
        if self.judge_correctness is not None:
            parts.append(f"评审正确性改为 {self.judge_correctness:.2f}")
        if self.judge_faithfulness is not None:
            parts.append(f"评审忠实度改为 {self.judge_faithfulness:.2f}")
        if self.gold_clauses is not None:
            parts.append("标准条款改为 " + ("、".join(self.gold_clauses) or "（无）"))
        if self.key_facts is not None:
            parts.append("要点改为 " + ("；".join(self.key_facts) or "（无）"))
        if self.question is not None:
            parts.append(f"问题改为“{self.question}”")
        return parts or ["确认原判"]


class ReviewStore:
    def __init__(self, settings: Settings):
        self.path = settings.data_dir / "eval_reviews.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            db.execute(_SCHEMA)

    def record(self, review: Review) -> Review:
        """Store a review stamped with the current UTC time; earlier reviews of the item stay in the history."""
        if not review.reviewer:
            raise UserError("复核需要登录的评测员账号。")
        stamped = review.model_copy(update={"created_at": datetime.now(UTC).isoformat(timespec="seconds")})
        body = stamped.model_dump_json(exclude={"run_id", "item_id", "reviewer", "created_at"})
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            db.execute(
                "INSERT INTO reviews (run_id, item_id, reviewer, created_at, body) VALUES (?,?,?,?,?)",
                (stamped.run_id, stamped.item_id, stamped.reviewer, stamped.created_at, body),
            )
        return stamped

    def history(self, run_id: str) -> list[Review]:
        """Every review of a run, oldest first."""
        with closing(sqlite3.connect(self.path, timeout=10)) as db:
            rows = db.execute(
                "SELECT run_id, item_id, reviewer, created_at, body FROM reviews WHERE run_id = ? ORDER BY id",
                (run_id,),
            ).fetchall()
        return [Review(run_id=r[0], item_id=r[1], reviewer=r[2], created_at=r[3], **json.loads(r[4])) for r in rows]

    def latest(self, run_id: str) -> dict[str, Review]:
        """The review in force per item: the latest one (a later review replaces an earlier one whole)."""
        return {r.item_id: r for r in self.history(run_id)}


def reviewed_item(item: ItemResult, review: Review, k: int) -> ItemResult:
    """The item as the reviewer says it should have been scored: gold and key facts re-scored on the stored answer."""
    metrics: dict[str, float | None] = dict(item.metrics)
    gold = item.gold_clauses if review.gold_clauses is None else review.gold_clauses
    facts = item.key_facts if review.key_facts is None else review.key_facts
    missed = item.missed_facts
    if item.answerable and review.gold_clauses is not None:
        cited = [f"{c.doc_id}#{c.clause}" for c in item.citations]
        has = bool(gold)
        metrics["recall@k"] = m.recall_at_k(item.retrieved, gold, k) if has else None
        metrics["hit@1"] = m.hit_at_1(item.retrieved, gold) if has else None
        metrics["mrr"] = m.reciprocal_rank(item.retrieved, gold) if has else None
        metrics["ndcg@k"] = m.ndcg_at_k(item.retrieved, gold, k) if has else None
        metrics["gold_cited"] = m.gold_cited(cited, gold) if has else None
        metrics["citation_precision"] = m.citation_precision(cited, gold) if has else None
    if item.answerable and review.key_facts is not None:
        text = "" if item.refused else item.answer
        metrics["key_fact_coverage"] = m.key_fact_coverage(text, facts) if facts else None
        metrics["token_f1"] = m.token_f1(text, facts) if facts else None
        missed = m.missed_facts(text, facts)
    valid, failures = item.judge_valid, item.judge_failures
    for key in JUDGE_METRICS:
        value = getattr(review, key)
        if value is not None:
            metrics[key] = value
            # A human verdict stands in for the judge's, failed or not: one valid verdict, no failure.
            valid, failures = max(valid, 1), 0
    return item.model_copy(
        update={
            "gold_clauses": gold,
            "key_facts": facts,
            "missed_facts": missed,
            "metrics": metrics,
            "judge_valid": valid,
            "judge_failures": failures,
        }
    )


class ReviewedFigures(BaseModel):
    raw: dict[str, float | None]
    reviewed: dict[str, float | None]
    raw_failed: int
    reviewed_failed: int
    reviewed_items: int = Field(description="Items with a review in force.")
    overridden: int = Field(description="Items whose pass/fail the reviewer overrode.")
    judge_valid: int = Field(0, description="Valid judge verdicts after review (human verdicts count as valid).")
    judge_failures: int = Field(0, description="Failed judge calls left after review.")


def failed_after_review(item: ItemResult, review: Review | None, k: int) -> bool:
    if review is not None and review.verdict is not None:
        return review.verdict == "fail"
    return reviewed_item(item, review, k).failed if review is not None else item.failed


def reviewed_figures(run: RunResult, reviews: dict[str, Review]) -> ReviewedFigures:
    """Raw and reviewed aggregates of a run, plus its pass rate before and after the overrides."""
    k = run.config.k
    min_coverage = float(run.config.details.get("judge_min_coverage") or 0.0) if run.config.judge else 0.0
    items = [reviewed_item(i, reviews[i.id], k) if i.id in reviews else i for i in run.items]
    reviewed, _ = aggregate(items, min_coverage)
    raw = dict(run.aggregates)
    raw_failed = sum(1 for i in run.items if i.failed)
    now_failed = sum(1 for i in run.items if failed_after_review(i, reviews.get(i.id), k))
    n = len(run.items)
    raw["pass_rate"] = (n - raw_failed) / n if n else None
    reviewed["pass_rate"] = (n - now_failed) / n if n else None
    return ReviewedFigures(
        raw=raw,
        reviewed=reviewed,
        raw_failed=raw_failed,
        reviewed_failed=now_failed,
        reviewed_items=sum(1 for i in run.items if i.id in reviews),
        overridden=sum(1 for i in run.items if i.id in reviews and reviews[i.id].verdict is not None),
        judge_valid=sum(i.judge_valid for i in items if not i.fallback),
        judge_failures=sum(i.judge_failures for i in items if not i.fallback),
    )


def split_keys(text: str) -> list[str]:
    """Keys or key facts typed one per line or separated by ； or ; (、 may stand inside a fact)."""
    return [part.strip() for part in re.split(r"[\n；;]", text) if part.strip()]


def reviewed_dataset_path(settings: Settings) -> Path:
    """Where reviewed feedback drafts are collected as an eval dataset."""
    return settings.data_dir / "datasets" / REVIEWED_DATASET


def review_queue(run: RunResult) -> list[ItemResult]:
    """Items an evaluator should look at: failed items first, then items the judge scored or failed on."""
    failed = [i for i in run.items if i.failed]
    judged = [i for i in run.items if not i.failed and (i.judge_valid or i.judge_failures)]
    return failed + judged


def reviewed_draft(draft: dict[str, Any], review: Review) -> EvalItem:
    """A feedback draft with the reviewer's fixes, its needs-review mark replaced by who reviewed it and when."""
    note = str(draft.get("note", "")).replace(f"{NEEDS_REVIEW}：", "").replace(NEEDS_REVIEW, "")
    note = f"已复核（{review.reviewer}，{review.created_at}）：{note}" + (f"；{review.note}" if review.note else "")
    return EvalItem(
        id=str(draft["id"]),
        question=review.question or str(draft["question"]),
        answerable=draft["answerable"] if review.answerable is None else review.answerable,
        gold_clauses=draft.get("gold_clauses", []) if review.gold_clauses is None else review.gold_clauses,
        key_facts=draft.get("key_facts", []) if review.key_facts is None else review.key_facts,
        type=review.type or draft.get("type", "lookup"),
        note=note,
    )


def save_reviewed_drafts(
    drafts: list[dict[str, Any]], reviews: dict[str, Review], clauses: dict[str, Clause], path: Path
) -> list[EvalItem]:
    """Merge the reviewed drafts into a JSONL dataset (same id replaced), atomically; unreviewed drafts stay out.

    Raises UserError naming every problem (unknown gold, a key fact not in its clause) before writing anything.
    """
    from assistant.atomic import write_text_atomic

    saved = [reviewed_draft(d, reviews[str(d["id"])]) for d in drafts if str(d["id"]) in reviews]
    if not saved:
        raise UserError("还没有复核过的反馈草稿可保存。")
    problems = check_dataset(
        Dataset(name=path.stem, items=saved, rows={i.id: n for n, i in enumerate(saved, 1)}), clauses
    )
    if problems:
        raise UserError("复核后的草稿仍有问题，未保存：" + "；".join(str(p) for p in problems))
    existing = load_items(path) if path.is_file() else []
    ids = {i.id for i in saved}
    merged = [i for i in existing if i.id not in ids] + saved
    write_text_atomic(path, "".join(i.model_dump_json() + "\n" for i in merged))
    return saved
