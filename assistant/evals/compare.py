"""Compare two runs: per-metric deltas with a paired bootstrap 95% interval, and items that changed."""

from __future__ import annotations

import random

from pydantic import BaseModel, Field

from assistant.evals.runner import HIGHER_IS_BETTER, LOWER_IS_BETTER, RunResult

BOOTSTRAP_SAMPLES = 2000


MIN_ITEMS_FOR_SIGNIFICANCE = 20


class MetricDelta(BaseModel):
    metric: str
    a: float | None
    b: float | None
    delta: float | None
    low: float | None
    high: float | None
    n: int
    p_value: float | None = Field(None, description="Two-sided paired sign-flip permutation p-value.")
    min_n: int = MIN_ITEMS_FOR_SIGNIFICANCE

    @property
    def significant(self) -> bool:
        """The 95% interval excludes 0 and there are enough paired items to say so."""
        if self.n < self.min_n:
            return False
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


class ItemChange(BaseModel):
    id: str
    question: str
    metric: str
    a: float
    b: float


class Comparison(BaseModel):
    run_a: str
    run_b: str
    deltas: list[MetricDelta]
    better: list[ItemChange]
    worse: list[ItemChange]
    warnings: list[str] = Field(default_factory=list, description="Chinese: why the comparison may mislead.")


def paired_bootstrap(deltas: list[float], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the mean paired difference."""
    rng = random.Random(seed)
    n = len(deltas)
    means = sorted(sum(deltas[rng.randrange(n)] for _ in range(n)) / n for _ in range(samples))
    return means[int(0.025 * samples)], means[int(0.975 * samples) - 1]


def sign_flip_p_value(deltas: list[float], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> float:
    """Two-sided p-value of a paired permutation test: how often random sign flips give a mean this far from 0."""
    n = len(deltas)
    observed = abs(sum(deltas) / n)
    if observed == 0:
        return 1.0
    rng = random.Random(seed)
    extreme = sum(
        1 for _ in range(samples) if abs(sum(d if rng.random() < 0.5 else -d for d in deltas) / n) >= observed - 1e-12
    )
    return (extreme + 1) / (samples + 1)


def _warnings(a: RunResult, b: RunResult, shared: list[str]) -> list[str]:
    warnings = []
    if not shared:
        warnings.append("两次运行没有共同的题目，无法逐题比较")
    ha, hb = a.config.dataset_sha256, b.config.dataset_sha256
    if a.config.dataset != b.config.dataset or (ha and hb and ha != hb):
        warnings.append("两次运行的数据集不同（名称或内容哈希不一致），差值可能来自题目而非系统")
    if a.config.k != b.config.k:
        warnings.append(f"两次运行的 k 不同（{a.config.k} 与 {b.config.k}）：召回率@k、nDCG@k 口径不同")
    fa, fb = a.config.index_fingerprint, b.config.index_fingerprint
    if fa and fb and fa != fb:
        warnings.append("两次运行检索的文档不同（索引指纹不一致）")
    return warnings


def compare_runs(a: RunResult, b: RunResult, min_n: int = MIN_ITEMS_FOR_SIGNIFICANCE) -> Comparison:
    items_a = {i.id: i for i in a.items}
    items_b = {i.id: i for i in b.items}
    shared = [key for key in items_a if key in items_b]
    deltas = []
    for metric in HIGHER_IS_BETTER + LOWER_IS_BETTER:
        pairs = [
            (x, y)
            for k in shared
            if (x := items_a[k].metrics.get(metric)) is not None and (y := items_b[k].metrics.get(metric)) is not None
        ]
        if not pairs:
            deltas.append(MetricDelta(metric=metric, a=None, b=None, delta=None, low=None, high=None, n=0, min_n=min_n))
            continue
        diffs = [y - x for x, y in pairs]
        low, high = paired_bootstrap(diffs)
        deltas.append(
            MetricDelta(
                metric=metric,
                a=sum(x for x, _ in pairs) / len(pairs),
                b=sum(y for _, y in pairs) / len(pairs),
                delta=sum(diffs) / len(diffs),
                low=low,
                high=high,
                n=len(pairs),
                p_value=sign_flip_p_value(diffs),
                min_n=min_n,
            )
        )
    better: list[ItemChange] = []
    worse: list[ItemChange] = []
    # Every metric of every shared item: k=3 vs k=8 changes recall even when coverage stays put.
    for key in shared:
        for metric in HIGHER_IS_BETTER + LOWER_IS_BETTER:
            x, y = items_a[key].metrics.get(metric), items_b[key].metrics.get(metric)
            if x is None or y is None or x == y:
                continue
            change = ItemChange(id=key, question=items_a[key].question, metric=metric, a=x, b=y)
            improved = y < x if metric in LOWER_IS_BETTER else y > x
            (better if improved else worse).append(change)
    return Comparison(
        run_a=a.run_id, run_b=b.run_id, deltas=deltas, better=better, worse=worse, warnings=_warnings(a, b, shared)
    )


class SideBySide(BaseModel):
    """N runs (models, modes or settings) per metric, with the best run of each metric named."""

    runs: list[str]
    labels: list[str] = Field(description="mode, model and k of each run, for the column header.")
    rows: dict[str, list[float | None]]
    best: dict[str, list[int]] = Field(description="Per metric, the indexes of the runs that share the best value.")
    warnings: list[str] = Field(default_factory=list)


# Token cost per item, where the endpoint reports usage; fewer is better.
TOKEN_FIGURES = ("prompt_tokens_per_item", "completion_tokens_per_item")


def side_by_side(runs: list[RunResult]) -> SideBySide:
    """Aggregates and latency of several runs in columns; bests follow each metric's direction."""
    metrics = [
        *HIGHER_IS_BETTER,
        *LOWER_IS_BETTER,
        "fallback_rate",
        "total_p50_ms",
        "total_p95_ms",
        *TOKEN_FIGURES,
    ]
    rows: dict[str, list[float | None]] = {}
    best: dict[str, list[int]] = {}
    for metric in metrics:
        values = [r.aggregates.get(metric, r.latency.get(metric)) for r in runs]
        if all(v is None for v in values):
            continue
        rows[metric] = values
        present = [v for v in values if v is not None]
        lower = metric in LOWER_IS_BETTER or metric.endswith("_ms") or metric in ("fallback_rate", *TOKEN_FIGURES)
        target = min(present) if lower else max(present)
        best[metric] = [n for n, v in enumerate(values) if v == target] if len(set(present)) > 1 else []
    labels = [
        f"{r.config.mode} {r.config.details.get('llm_model') or ''} k={r.config.k}".replace("  ", " ") for r in runs
    ]
    warnings = []
    if len({r.config.dataset_sha256 or r.config.dataset for r in runs}) > 1:
        warnings.append("这些运行的数据集不同，指标不可直接比较")
    return SideBySide(runs=[r.run_id for r in runs], labels=labels, rows=rows, best=best, warnings=warnings)
