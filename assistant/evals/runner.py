"""Run a dataset through the assistant and score every item; deterministic metrics first, a judge optional."""

from __future__ import annotations

import logging
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from assistant.answer.condense import Exchange
from assistant.evals import metrics as m
from assistant.evals.datasets import Dataset, EvalItem, qualify_gold
from assistant.evals.judge import Judge, JudgeVerdict
from assistant.service import PolicyAssistant
from assistant.types import Answer, AnswerMode, Citation, clause_key

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# Per-item metrics where higher is better; false_refusal, unsupported_claims and latency are lower-is-better.
HIGHER_IS_BETTER = (
    "recall@k",
    "hit@1",
    "mrr",
    "ndcg@k",
    "gold_cited",
    "citation_precision",
    "quotes_verified",
    "groundedness",
    "key_fact_coverage",
    "token_f1",
    "refusal_correct",
    "judge_correctness",
    "judge_faithfulness",
)
LOWER_IS_BETTER = ("false_refusal", "unsupported_claims")
JUDGE_METRICS = ("judge_correctness", "judge_faithfulness")


class ItemResult(BaseModel):
    id: str
    type: str
    question: str
    standalone_question: str
    answerable: bool
    gold_clauses: list[str]
    key_facts: list[str]
    answer: str
    refused: bool
    mode: str
    notice: str | None
    citations: list[Citation]
    retrieved: list[str]
    missed_facts: list[str]
    metrics: dict[str, float | None]
    spread: dict[str, float] = Field(default_factory=dict, description="Standard deviation over repeats.")
    judge_failures: int = 0
    judge_valid: int = Field(0, description="Valid judge verdicts over the repeats.")
    judge_reasons: list[str] = Field(default_factory=list, description="The judge's reason per valid verdict.")
    latency_ms: dict[str, float]
    tokens: dict[str, float] = Field(
        default_factory=dict, description="Mean prompt/completion tokens per repeat, where the endpoint reports usage."
    )
    requested_mode: str = Field("", description="The mode asked for; mode is the one that answered.")
    quotes: int = Field(0, description="Citations (quotes) in the answer.")
    quotes_ok: int = Field(0, description="Citations whose quote verified.")
    claims: int = Field(0, description="Claims (sentences) in the answer.")
    claims_ok: int = Field(0, description="Claims that verified.")

    @property
    def fallback(self) -> bool:
        """Answered in another mode than requested (an LLM run that fell back to extracts).

        A refusal is not a fallback: the calibrated refusal gate is shared by both modes and never asks the model.
        """
        return bool(self.requested_mode) and self.mode != self.requested_mode and not self.refused

    @property
    def failed(self) -> bool:
        if not self.answerable:
            return not self.refused
        if self.quotes_ok < self.quotes or self.claims_ok < self.claims:
            return True  # an unverified quote or an unsupported claim fails the item whatever else it got right
        return bool(self.missed_facts) or self.refused or (self.metrics.get("gold_cited") or 0) < 1


class RunConfig(BaseModel):
    dataset: str
    dataset_path: str
    mode: AnswerMode
    k: int
    repeat: int
    judge: bool
    settings_hash: str
    dataset_sha256: str = Field("", description="Content hash of the dataset file.")
    items: int = Field(0, description="Items (questions and turns) in the dataset.")
    corpus: str = Field("", description="Corpus folder the run indexed.")
    index_fingerprint: str = Field("", description="Fingerprint of the indexed corpus.")
    details: dict[str, Any] = Field(
        default_factory=dict, description="Readable config: model, embedding, prompt hashes, thresholds."
    )


class RunResult(BaseModel):
    run_id: str
    created_at: str
    config: RunConfig
    items: list[ItemResult]
    aggregates: dict[str, float | None]
    by_type: dict[str, dict[str, float | None]]
    latency: dict[str, float]
    counts: dict[str, int]
    environment: dict[str, Any] = Field(default_factory=dict)


def score_answer(
    answer: Answer, answerable: bool, gold: list[str], facts: list[str], k: int
) -> tuple[dict[str, float | None], list[str]]:
    """Per-item scores; gold, hits and citations are all doc_id#clause keys (see qualify_gold)."""
    retrieved = [h.key for h in answer.hits]
    cited = [clause_key(c.doc_id, c.clause) for c in answer.citations]
    scores: dict[str, float | None] = dict.fromkeys(HIGHER_IS_BETTER + LOWER_IS_BETTER)
    scores["quotes_verified"] = m.quotes_verified([c.verified for c in answer.citations])
    if not answer.refused:
        scores["groundedness"] = m.groundedness([c.supported for c in answer.claims])
        scores["unsupported_claims"] = float(sum(1 for c in answer.claims if not c.supported))
    if not answerable:
        scores["refusal_correct"] = 1.0 if answer.refused else 0.0
        return scores, []
    scores["false_refusal"] = 1.0 if answer.refused else 0.0
    if gold:
        scores["recall@k"] = m.recall_at_k(retrieved, gold, k)
        scores["hit@1"] = m.hit_at_1(retrieved, gold)
        scores["mrr"] = m.reciprocal_rank(retrieved, gold)
        scores["ndcg@k"] = m.ndcg_at_k(retrieved, gold, k)
        scores["gold_cited"] = m.gold_cited(cited, gold)
        scores["citation_precision"] = m.citation_precision(cited, gold)
    missed: list[str] = []
    if facts:
        text = "" if answer.refused else answer.answer
        scores["key_fact_coverage"] = m.key_fact_coverage(text, facts)
        scores["token_f1"] = m.token_f1(text, facts)
        missed = m.missed_facts(text, facts)
    return scores, missed


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _merge(runs: list[dict[str, float | None]]) -> tuple[dict[str, float | None], dict[str, float]]:
    merged: dict[str, float | None] = {}
    spread: dict[str, float] = {}
    for key in runs[0]:
        values = [v for r in runs if (v := r.get(key)) is not None]
        merged[key] = sum(values) / len(values) if values else None
        if len(values) > 1:
            spread[key] = statistics.pstdev(values)
    return merged, spread


def _figures(items: list[ItemResult]) -> dict[str, float | None]:
    figures = {key: _mean([i.metrics.get(key) for i in items]) for key in HIGHER_IS_BETTER + LOWER_IS_BETTER}
    # Pooled over all quotes and claims, beside the per-answer means above.
    figures["quotes_verified_all"] = m.micro_share(sum(i.quotes_ok for i in items), sum(i.quotes for i in items))
    figures["groundedness_all"] = m.micro_share(sum(i.claims_ok for i in items), sum(i.claims for i in items))
    return figures


def aggregate(
    items: list[ItemResult], judge_min_coverage: float = 0.0
) -> tuple[dict[str, float | None], dict[str, dict[str, float | None]]]:
    """Figures over the items answered in the requested mode; a fallback item does not count as that mode.

    A judge mean is withheld (None) when fewer than judge_min_coverage of the judged items got a valid verdict.
    """
    counted = [i for i in items if not i.fallback]
    overall = _figures(counted)
    overall["fallback_rate"] = (len(items) - len(counted)) / len(items) if items else None
    by_type: dict[str, list[ItemResult]] = defaultdict(list)
    for item in counted:
        by_type[item.type].append(item)
    per_type = {t: _figures(group) for t, group in by_type.items()}
    overall["article_lookup_hit@1"] = per_type.get("article_lookup", {}).get("hit@1")
    valid = sum(i.judge_valid for i in counted)
    failed = sum(i.judge_failures for i in counted)
    overall["judge_failure_rate"] = failed / (valid + failed) if valid + failed else None
    if valid + failed and valid / (valid + failed) < judge_min_coverage:
        for key in JUDGE_METRICS:
            overall[key] = None
    return overall, per_type


def _cases(dataset: Dataset) -> list[tuple[EvalItem, str | None, int]]:
    """Flatten: single items, then conversation turns (conversation id, turn index) in order."""
    cases: list[tuple[EvalItem, str | None, int]] = [(item, None, 0) for item in dataset.items]
    for conversation in dataset.conversations:
        for number, turn in enumerate(conversation.turns, start=1):
            item = EvalItem(
                id=f"{conversation.id}#{number}",
                question=turn.question,
                answerable=bool(turn.gold_clauses or turn.key_facts),
                gold_clauses=turn.gold_clauses,
                key_facts=turn.key_facts,
                type="multi_turn",
            )
            cases.append((item, conversation.id, number))
    return cases


def run_dataset(
    assistant: PolicyAssistant,
    dataset: Dataset,
    mode: AnswerMode,
    k: int,
    repeat: int = 1,
    judge: Judge | None = None,
    progress: Progress | None = None,
) -> list[ItemResult]:
    results: list[ItemResult] = []
    cases = _cases(dataset)
    histories: dict[str, list[Exchange]] = defaultdict(list)
    for done, (item, conversation, _turn) in enumerate(cases):
        runs: list[dict[str, float | None]] = []
        answer: Answer | None = None
        missed: list[str] = []
        latencies: list[dict[str, float]] = []
        usages: list[dict[str, int]] = []
        failures = valid = 0
        reasons: list[str] = []
        gold = qualify_gold(item.gold_clauses, assistant.index.clauses)
        for _ in range(repeat):
            history = list(histories[conversation]) if conversation else None
            started = time.perf_counter()
            answer = assistant.ask(item.question, history=history, mode=mode, k=k)
            elapsed = (time.perf_counter() - started) * 1000
            scores, missed = score_answer(answer, item.answerable, gold, item.key_facts, k)
            # Unanswerable items that were answered are judged too: the judge says whether the answer is made up.
            if judge is not None and not answer.refused:
                verdict: JudgeVerdict = judge.judge(item, answer, assistant.index.clauses)
                scores["judge_correctness"] = verdict.correctness
                scores["judge_faithfulness"] = verdict.faithfulness
                if verdict.ok:
                    valid += 1
                    reasons.append(verdict.reason)
                else:
                    failures += 1
            runs.append(scores)
            usages.append(answer.usage)
            latencies.append(
                {
                    "retrieval_ms": answer.timings.get("retrieval_ms", 0.0),
                    "answer_ms": answer.timings.get("answer_ms", 0.0),
                    "total_ms": elapsed,
                }
            )
        assert answer is not None
        if conversation:
            histories[conversation].append(Exchange(item.question, answer.standalone_question, answer.answer))
        merged, spread = _merge(runs)
        results.append(
            ItemResult(
                id=item.id,
                type=item.type,
                question=item.question,
                standalone_question=answer.standalone_question,
                answerable=item.answerable,
                gold_clauses=gold,
                key_facts=item.key_facts,
                answer=answer.answer,
                refused=answer.refused,
                mode=answer.mode,
                notice=answer.notice,
                citations=answer.citations,
                retrieved=[h.key for h in answer.hits],
                missed_facts=missed,
                metrics=merged,
                spread=spread,
                judge_failures=failures,
                judge_valid=valid,
                judge_reasons=reasons,
                requested_mode=mode,
                quotes=len(answer.citations),
                quotes_ok=sum(1 for c in answer.citations if c.verified),
                claims=0 if answer.refused else len(answer.claims),
                claims_ok=0 if answer.refused else sum(1 for c in answer.claims if c.supported),
                latency_ms={key: _mean([lat[key] for lat in latencies]) or 0.0 for key in latencies[0]},
                tokens=_mean_usage(usages),
            )
        )
        if progress:
            progress(done + 1, len(cases))
    return results


def _mean_usage(usages: list[dict[str, int]]) -> dict[str, float]:
    """Mean tokens per repeat over the repeats whose endpoint reported usage; empty when none did."""
    reported = [u for u in usages if u]
    if not reported:
        return {}
    return {key: sum(u.get(key, 0) for u in reported) / len(reported) for key in ("prompt_tokens", "completion_tokens")}


def latency_summary(items: list[ItemResult]) -> dict[str, float]:
    summary: dict[str, float] = {}
    with_tokens = [i.tokens for i in items if i.tokens]
    for key in ("prompt_tokens", "completion_tokens"):
        if with_tokens:
            summary[f"{key}_per_item"] = round(sum(t.get(key, 0.0) for t in with_tokens) / len(with_tokens), 1)
    for stage in ("retrieval_ms", "answer_ms", "total_ms"):
        values = [i.latency_ms[stage] for i in items if stage in i.latency_ms]
        summary[f"{stage[:-3]}_p50_ms"] = round(m.percentile(values, 50), 2)
        summary[f"{stage[:-3]}_p95_ms"] = round(m.percentile(values, 95), 2)
    return summary
