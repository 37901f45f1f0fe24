"""Compare two runs: per-metric deltas with a paired bootstrap 95% interval, and items that changed."""

from __future__ import annotations

import random

from pydantic import BaseModel

from assistant.evals.runner import HIGHER_IS_BETTER, LOWER_IS_BETTER, ItemResult, RunResult

BOOTSTRAP_SAMPLES = 2000


class MetricDelta(BaseModel):
    metric: str
    a: float | None
    b: float | None
    delta: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def significant(self) -> bool:
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


def paired_bootstrap(deltas: list[float], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the mean paired difference."""
    rng = random.Random(seed)
    n = len(deltas)
    means = sorted(sum(deltas[rng.randrange(n)] for _ in range(n)) / n for _ in range(samples))
    return means[int(0.025 * samples)], means[int(0.975 * samples) - 1]


def _primary(item: ItemResult) -> tuple[str, float] | None:
    """The score that says whether an item got better: refusal for unanswerable, coverage otherwise."""
    for metric in ("refusal_correct", "key_fact_coverage", "gold_cited"):
        value = item.metrics.get(metric)
        if value is not None:
            return metric, value
    return None


def compare_runs(a: RunResult, b: RunResult) -> Comparison:
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
            deltas.append(MetricDelta(metric=metric, a=None, b=None, delta=None, low=None, high=None, n=0))
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
            )
        )
    better: list[ItemChange] = []
    worse: list[ItemChange] = []
    for key in shared:
        pa, pb = _primary(items_a[key]), _primary(items_b[key])
        if pa is None or pb is None or pa[0] != pb[0] or pa[1] == pb[1]:
            continue
        change = ItemChange(id=key, question=items_a[key].question, metric=pa[0], a=pa[1], b=pb[1])
        (better if pb[1] > pa[1] else worse).append(change)
    return Comparison(run_a=a.run_id, run_b=b.run_id, deltas=deltas, better=better, worse=worse)
