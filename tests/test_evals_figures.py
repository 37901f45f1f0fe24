"""The figures of issues 9 and 15 on hand-computed fixtures: fallbacks, groundedness, pooled quotes,
lookups by article at rank 1, judge coverage, regression gates, compare and the judge's JSON."""

from __future__ import annotations

import pytest

from assistant.errors import UserError
from assistant.evals.compare import compare_runs, sign_flip_p_value
from assistant.evals.judge import first_json_object, parse_judgement
from assistant.evals.report import metric_label, summary_rows
from assistant.evals.runner import ItemResult, RunConfig, RunResult, aggregate, score_answer
from assistant.evals.runs import gate, gate_against_baseline
from assistant.types import Answer, Citation, Claim, Hit

YANGTZE = "长江保护法-2020-12-26"
YELLOW = "黄河保护法-2022-10-30"


def hit(rank: int, key: str) -> Hit:
    doc_id, clause = key.split("#")
    return Hit(
        rank=rank,
        doc_id=doc_id,
        doc_title=doc_id,
        clause=clause,
        part="",
        label=f"《{doc_id}》{clause}",
        text="……",
        score=1.0 / rank,
        scores={"dense": None, "bm25": None},
    )


def citation(n: int, key: str, verified: bool = True) -> Citation:
    doc_id, clause = key.split("#")
    return Citation(n=n, doc_id=doc_id, clause=clause, label=f"《{doc_id}》{clause}", quote="……", verified=verified)


def make_answer(hits: list[str], citations: list[Citation], claims: list[bool], mode: str = "llm") -> Answer:
    return Answer(
        question="问",
        standalone_question="问",
        answer="答",
        refused=False,
        mode=mode,  # type: ignore[arg-type]
        citations=citations,
        hits=[hit(n, k) for n, k in enumerate(hits, start=1)],
        claims=[Claim(text=f"句{n}", supported=ok) for n, ok in enumerate(claims)],
    )


def item(
    item_id: str,
    kind: str = "lookup",
    metrics: dict[str, float | None] | None = None,
    mode: str = "llm",
    requested: str = "llm",
    **extra: object,
) -> ItemResult:
    return ItemResult(
        id=item_id,
        type=kind,
        question=f"问题{item_id}",
        standalone_question="问",
        answerable=True,
        gold_clauses=[],
        key_facts=[],
        answer="答",
        refused=False,
        mode=mode,
        requested_mode=requested,
        notice=None,
        citations=[],
        retrieved=[],
        missed_facts=[],
        metrics=metrics or {},
        latency_ms={"retrieval_ms": 1.0, "answer_ms": 1.0, "total_ms": 2.0},
        **extra,  # type: ignore[arg-type]
    )


def run_of(items: list[ItemResult], k: int = 5, sha: str = "abc", dataset: str = "d", **config: object) -> RunResult:
    overall, by_type = aggregate(items)
    return RunResult(
        run_id=f"run-{dataset}-{k}-{len(items)}",
        created_at="2026-11-27T07:00:00+00:00",
        config=RunConfig(
            dataset=dataset,
            dataset_path="d.jsonl",
            mode="llm",
            k=k,
            repeat=1,
            judge=False,
            settings_hash="s",
            dataset_sha256=sha,
            **config,  # type: ignore[arg-type]
        ),
        items=items,
        aggregates=overall,
        by_type=by_type,
        latency={},
        counts={"items": len(items), "fallbacks": sum(i.fallback for i in items), "failed": 0},
    )


# --- keyed scoring where two laws share an article number ---------------------


def test_the_same_article_number_in_another_law_scores_nothing():
    gold = [f"{YANGTZE}#第二十八条"]
    answer = make_answer(
        hits=[f"{YELLOW}#第二十八条", f"{YANGTZE}#第二十八条"],
        citations=[citation(1, f"{YELLOW}#第二十八条"), citation(2, f"{YANGTZE}#第二十八条")],
        claims=[True, True],
    )
    scores, _ = score_answer(answer, True, gold, [], k=5)
    assert scores["hit@1"] == 0.0
    assert scores["mrr"] == 0.5
    assert scores["recall@k"] == 1.0
    assert scores["gold_cited"] == 1.0
    assert scores["citation_precision"] == 0.5  # one of the two distinct cited articles is gold


# --- groundedness ------------------------------------------------------------


def test_groundedness_is_the_supported_share_and_unsupported_claims_are_counted():
    answer = make_answer([f"{YANGTZE}#第二十条"], [citation(1, f"{YANGTZE}#第二十条")], [True, False, True, False])
    scores, _ = score_answer(answer, True, [f"{YANGTZE}#第二十条"], [], k=5)
    assert scores["groundedness"] == 0.5
    assert scores["unsupported_claims"] == 2.0


def test_an_unsupported_claim_or_an_unverified_quote_fails_an_item_that_scores_well_otherwise():
    perfect = {"gold_cited": 1.0, "key_fact_coverage": 1.0}
    assert not item("a", metrics=perfect, quotes=1, quotes_ok=1, claims=2, claims_ok=2).failed
    assert item("b", metrics=perfect, quotes=1, quotes_ok=1, claims=2, claims_ok=1).failed
    assert item("c", metrics=perfect, quotes=2, quotes_ok=1, claims=2, claims_ok=2).failed


def test_pooled_shares_weigh_every_quote_and_claim_once():
    items = [
        item("a", metrics={"quotes_verified": 1.0}, quotes=1, quotes_ok=1, claims=1, claims_ok=1),
        item("b", metrics={"quotes_verified": 0.5}, quotes=4, quotes_ok=2, claims=3, claims_ok=0),
    ]
    overall, _ = aggregate(items)
    assert overall["quotes_verified"] == 0.75  # per answer: (1 + 0.5) / 2
    assert overall["quotes_verified_all"] == 0.6  # pooled: 3 of 5 quotes
    assert overall["groundedness_all"] == 0.25  # 1 of 4 claims


# --- fallbacks ---------------------------------------------------------------


def test_fallback_items_are_counted_and_left_out_of_the_requested_mode():
    items = [
        item("a", metrics={"key_fact_coverage": 0.5}),
        item("b", metrics={"key_fact_coverage": 1.0}, mode="extractive"),
        item("c", metrics={"key_fact_coverage": 1.0}, mode="extractive"),
        item("d", metrics={"key_fact_coverage": 0.0}),
    ]
    overall, _ = aggregate(items)
    assert overall["fallback_rate"] == 0.5
    assert overall["key_fact_coverage"] == 0.25  # (0.5 + 0) / 2: the extractive fallbacks do not count as llm


def test_a_run_where_every_answer_fell_back_has_no_figures_and_fails_its_gate():
    items = [item(str(n), metrics={"key_fact_coverage": 1.0}, mode="extractive") for n in range(3)]
    run = run_of(items)
    assert run.aggregates["key_fact_coverage"] is None
    assert run.aggregates["fallback_rate"] == 1.0
    assert gate(run, {"key_fact_coverage": 0.5}, {}) != []
    assert gate(run, {}, {"fallback_rate": 0.0}) == ["fallback_rate = 1.000，高于上限 0.0"]


# --- per type -----------------------------------------------------------------


def test_lookups_by_article_at_rank_1_come_from_the_article_lookup_items_only():
    items = [
        item("a", "article_lookup", {"hit@1": 1.0}),
        item("b", "article_lookup", {"hit@1": 1.0}),
        item("c", "article_lookup", {"hit@1": 0.0}),
        item("d", "paraphrase", {"hit@1": 0.0}),
    ]
    overall, by_type = aggregate(items)
    assert overall["article_lookup_hit@1"] == pytest.approx(2 / 3)
    assert overall["hit@1"] == 0.5
    assert by_type["paraphrase"]["hit@1"] == 0.0


# --- judge coverage ---------------------------------------------------------


def test_judge_mean_is_withheld_below_the_minimum_coverage_and_failures_are_gateable():
    items = [
        item("a", metrics={"judge_correctness": 0.25}, judge_valid=1, judge_failures=0),
        item("b", metrics={"judge_correctness": None}, judge_valid=0, judge_failures=1),
        item("c", metrics={"judge_correctness": None}, judge_valid=0, judge_failures=1),
    ]
    withheld, _ = aggregate(items, judge_min_coverage=0.5)
    assert withheld["judge_correctness"] is None
    assert withheld["judge_failure_rate"] == pytest.approx(2 / 3)
    shown, _ = aggregate(items, judge_min_coverage=0.3)
    assert shown["judge_correctness"] == 0.25


def test_summary_shows_valid_and_failed_verdicts_beside_the_judge_figure():
    items = [item("a", metrics={"judge_correctness": 0.25}, judge_valid=2, judge_failures=6)]
    run = run_of(items)
    run.config.judge = True
    run.counts.update({"judge_valid": 2, "judge_failures": 6})
    rows = dict(summary_rows(run))
    assert rows["评审：正确性"].endswith("（有效 2，失败 6）")
    assert rows["召回率@5"] == "—"


def test_metric_names_carry_their_cut_off():
    assert metric_label("recall@k", 8) == "召回率@8"
    assert metric_label("mrr", 3) == "MRR@3"
    assert metric_label("ndcg@k", 5) == "nDCG@5"


# --- gate against a baseline -------------------------------------------------


def test_gate_against_baseline_fails_only_drops_beyond_their_limit():
    base = run_of([item("a", metrics={"key_fact_coverage": 1.0, "false_refusal": 0.0})])
    now = run_of([item("a", metrics={"key_fact_coverage": 0.97, "false_refusal": 0.1})])
    assert gate_against_baseline(now, base, {"key_fact_coverage": 0.05}) == []
    failures = gate_against_baseline(now, base, {"key_fact_coverage": 0.02, "false_refusal": 0.05})
    assert len(failures) == 2
    assert failures[0].startswith("key_fact_coverage 从基线 1.000 变为 0.970")
    assert "false_refusal" in failures[1]  # a rise of a lower-is-better figure is its drop


def test_gate_against_a_baseline_on_another_dataset_is_refused():
    base = run_of([item("a", metrics={"key_fact_coverage": 1.0})], sha="one")
    now = run_of([item("a", metrics={"key_fact_coverage": 1.0})], sha="two")
    assert gate_against_baseline(now, base, {"key_fact_coverage": 0.02}) != []


def test_unknown_metric_in_max_drop_is_a_user_error():
    run = run_of([item("a", metrics={"key_fact_coverage": 1.0})])
    with pytest.raises(UserError, match="未知指标"):
        gate_against_baseline(run, run, {"coverage": 0.02})


def test_judge_failures_count_is_gateable():
    run = run_of([item("a")])
    run.counts["judge_failures"] = 3
    assert gate(run, {}, {"judge_failures": 0.0}) == ["judge_failures = 3.000，高于上限 0.0"]


# --- compare -------------------------------------------------------------------


def test_compare_lists_item_changes_on_every_metric_not_only_coverage():
    a = run_of([item("q1", metrics={"key_fact_coverage": 1.0, "recall@k": 0.5})], k=3)
    b = run_of([item("q1", metrics={"key_fact_coverage": 1.0, "recall@k": 1.0})], k=8)
    result = compare_runs(a, b)
    assert [(c.id, c.metric, c.a, c.b) for c in result.better] == [("q1", "recall@k", 0.5, 1.0)]
    assert result.worse == []
    assert any("k 不同" in w for w in result.warnings)


def test_compare_warns_on_different_datasets_and_no_shared_items():
    a = run_of([item("q1")], sha="one", dataset="a")
    b = run_of([item("q2")], sha="two", dataset="b")
    warnings = compare_runs(a, b).warnings
    assert any("没有共同的题目" in w for w in warnings)
    assert any("数据集不同" in w for w in warnings)


def test_no_significance_star_below_the_minimum_number_of_paired_items():
    a = run_of([item(str(n), metrics={"key_fact_coverage": 0.0}) for n in range(5)])
    b = run_of([item(str(n), metrics={"key_fact_coverage": 1.0}) for n in range(5)])
    delta = next(d for d in compare_runs(a, b, min_n=20).deltas if d.metric == "key_fact_coverage")
    assert (delta.low, delta.high, delta.n) == (1.0, 1.0, 5)
    assert not delta.significant
    assert next(d for d in compare_runs(a, b, min_n=5).deltas if d.metric == "key_fact_coverage").significant


def test_sign_flip_p_value_by_hand():
    # Three equal +1 differences: only the all-plus and all-minus of the 8 sign patterns reach |mean| = 1.
    p = sign_flip_p_value([1.0, 1.0, 1.0], samples=20000)
    assert p == pytest.approx(2 / 8, abs=0.02)
    assert sign_flip_p_value([0.0, 0.0]) == 1.0


# --- judge JSON --------------------------------------------------------------


def test_first_complete_json_object_is_taken_not_a_greedy_span():
    text = '先给结论 {"correctness": 1, "faithfulness": 0.5, "reason": "好"} 另附示例 {"x": 2}'
    assert first_json_object(text) == {"correctness": 1, "faithfulness": 0.5, "reason": "好"}
    verdict = parse_judgement('```json\n{"correctness": 0.5, "faithfulness": 1.0}\n```\n{"note": "}"}')
    assert verdict.ok and verdict.correctness == 0.5


def test_a_brace_in_prose_before_the_object_does_not_hide_it():
    assert first_json_object('理由{见下} {"correctness": 0.2, "faithfulness": 0.3}') == {
        "correctness": 0.2,
        "faithfulness": 0.3,
    }
    assert first_json_object("没有对象") is None
