"""Human review: overrides and gold fixes recorded with who and when, reviewed figures computed by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from assistant.errors import UserError
from assistant.evals.datasets import load_items
from assistant.evals.feedback_export import NEEDS_REVIEW
from assistant.evals.report import reviewed_rows
from assistant.evals.review import (
    FEEDBACK,
    Review,
    ReviewStore,
    review_queue,
    reviewed_figures,
    save_reviewed_drafts,
)
from assistant.evals.runner import HIGHER_IS_BETTER, LOWER_IS_BETTER, ItemResult, RunConfig, RunResult, aggregate
from assistant.settings import load_settings
from assistant.types import Citation, Clause


def item(item_id: str, **fields) -> ItemResult:
    metrics = dict.fromkeys(HIGHER_IS_BETTER + LOWER_IS_BETTER)
    metrics.update(fields.pop("metrics", {}))
    base = {
        "id": item_id,
        "type": "lookup",
        "question": f"问题{item_id}",
        "standalone_question": f"问题{item_id}",
        "answerable": True,
        "gold_clauses": ["d#一"],
        "key_facts": ["甲"],
        "answer": "甲",
        "refused": False,
        "mode": "extractive",
        "notice": None,
        "citations": [],
        "retrieved": [],
        "missed_facts": [],
        "latency_ms": {"total_ms": 10.0},
        "requested_mode": "extractive",
    }
    base.update(fields)
    return ItemResult(metrics=metrics, **base)


def cite(clause: str) -> Citation:
    return Citation(n=1, doc_id="d", clause=clause, label=clause, quote="甲", verified=True)


def hand_run() -> RunResult:
    """a fails (wrong gold, a key fact the answer never had), b passes with a failed judge call, c is a right refusal."""
    a = item(
        "a",
        gold_clauses=["d#一"],
        key_facts=["甲", "丙"],
        answer="甲乙",
        retrieved=["d#二", "d#一", "d#三"],
        citations=[cite("二")],
        quotes=1,
        quotes_ok=1,
        missed_facts=["丙"],
        metrics={
            "recall@k": 1.0,
            "hit@1": 0.0,
            "mrr": 0.5,
            "ndcg@k": 1 / math.log2(3),
            "gold_cited": 0.0,
            "citation_precision": 0.0,
            "key_fact_coverage": 0.5,
        },
    )
    b = item(
        "b",
        retrieved=["d#一"],
        citations=[cite("一")],
        quotes=1,
        quotes_ok=1,
        judge_failures=1,
        metrics={
            "recall@k": 1.0,
            "hit@1": 1.0,
            "mrr": 1.0,
            "ndcg@k": 1.0,
            "gold_cited": 1.0,
            "citation_precision": 1.0,
            "key_fact_coverage": 1.0,
        },
    )
    c = item("c", answerable=False, refused=True, gold_clauses=[], key_facts=[], answer="未找到", type="unanswerable")
    c.metrics["refusal_correct"] = 1.0
    items = [a, b, c]
    overall, per_type = aggregate(items)
    config = RunConfig(
        dataset="hand", dataset_path="hand.jsonl", mode="extractive", k=3, repeat=1, judge=True, settings_hash="x"
    )
    return RunResult(
        run_id="run-1",
        created_at="2026-01-01T00:00:00+00:00",
        config=config,
        items=items,
        aggregates=overall,
        by_type=per_type,
        latency={},
        counts={"items": 3, "judge_valid": 0, "judge_failures": 1},
    )


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReviewStore:
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    return ReviewStore(load_settings())


def test_queue_holds_failed_items_first_then_judged_ones():
    assert [i.id for i in review_queue(hand_run())] == ["a", "b"]


def test_raw_figures_are_the_run_aggregates_with_a_pass_rate():
    run = hand_run()
    figures = reviewed_figures(run, {})
    assert figures.raw_failed == 1
    assert figures.raw["pass_rate"] == pytest.approx(2 / 3)
    assert figures.raw["hit@1"] == pytest.approx(0.5)
    assert figures.reviewed == {k: v for k, v in figures.raw.items()}


def test_fixing_gold_and_key_facts_rescores_the_stored_answer():
    run = hand_run()
    fix = Review(run_id="run-1", item_id="a", reviewer="zhao", gold_clauses=["d#二"], key_facts=["甲"])

    figures = reviewed_figures(run, {"a": fix})

    # a now: d#二 ranked first and cited → recall 1, hit 1, mrr 1, nDCG 1, cited 1, precision 1; 甲 in 甲乙 → 1.
    for metric, raw, reviewed in [
        ("hit@1", (0 + 1) / 2, 1.0),
        ("mrr", (0.5 + 1) / 2, 1.0),
        ("ndcg@k", (1 / math.log2(3) + 1) / 2, 1.0),
        ("gold_cited", 0.5, 1.0),
        ("citation_precision", 0.5, 1.0),
        ("key_fact_coverage", 0.75, 1.0),
    ]:
        assert figures.raw[metric] == pytest.approx(raw), metric
        assert figures.reviewed[metric] == pytest.approx(reviewed), metric
    assert figures.reviewed_failed == 0
    assert figures.reviewed["pass_rate"] == 1.0
    assert figures.raw["pass_rate"] == pytest.approx(2 / 3)
    assert run.items[0].gold_clauses == ["d#一"]  # the run itself is untouched


def test_verdict_override_changes_the_reviewed_pass_rate_only():
    run = hand_run()
    overrides = {
        "a": Review(run_id="run-1", item_id="a", reviewer="zhao", verdict="pass"),
        "b": Review(run_id="run-1", item_id="b", reviewer="zhao", verdict="fail"),
        "c": Review(run_id="run-1", item_id="c", reviewer="zhao", verdict="fail"),
    }
    figures = reviewed_figures(run, overrides)
    assert figures.reviewed_failed == 2
    assert figures.reviewed["pass_rate"] == pytest.approx(1 / 3)
    assert figures.raw["pass_rate"] == pytest.approx(2 / 3)
    assert figures.overridden == 3
    assert figures.reviewed["hit@1"] == figures.raw["hit@1"]  # a verdict moves no retrieval figure


def test_human_judge_verdict_replaces_a_failed_judge_call():
    run = hand_run()
    assert run.aggregates["judge_correctness"] is None
    assert run.aggregates["judge_failure_rate"] == 1.0
    review = Review(run_id="run-1", item_id="b", reviewer="zhao", judge_correctness=0.0, judge_faithfulness=1.0)

    figures = reviewed_figures(run, {"b": review})

    assert figures.reviewed["judge_correctness"] == 0.0
    assert figures.reviewed["judge_faithfulness"] == 1.0
    assert figures.reviewed["judge_failure_rate"] == 0.0
    assert figures.raw["judge_failure_rate"] == 1.0


def test_reviews_are_stored_with_who_and_when_and_the_latest_is_in_force(store):
    first = store.record(Review(run_id="run-1", item_id="a", reviewer="zhao", verdict="pass"))
    store.record(Review(run_id="run-1", item_id="a", reviewer="qian", note="原判正确"))
    store.record(Review(run_id="run-2", item_id="a", reviewer="zhao", verdict="fail"))

    history = store.history("run-1")
    assert [(r.reviewer, r.verdict) for r in history] == [("zhao", "pass"), ("qian", None)]
    assert first.created_at.endswith("+00:00")
    assert history[0].changes == ["改判为通过"]
    assert history[1].changes == ["确认原判"]
    latest = store.latest("run-1")
    assert latest["a"].reviewer == "qian"
    assert reviewed_figures(hand_run(), latest).reviewed_failed == 1  # the confirmation undid the override


def test_review_without_a_reviewer_is_refused(store):
    with pytest.raises(UserError):
        store.record(Review(run_id="run-1", item_id="a", reviewer=""))


def test_reviewed_rows_show_raw_and_reviewed_side_by_side_with_dashes_for_nothing():
    run = hand_run()
    rows = reviewed_rows(
        run, reviewed_figures(run, {"a": Review(run_id="run-1", item_id="a", reviewer="z", verdict="pass")})
    )
    by_label = {label: (raw, reviewed) for label, raw, reviewed in rows}
    assert by_label["通过率"] == ("0.667", "1.000")
    # Raw: the judge's only call failed, so no mean is reported; n valid / n failed stand beside it in both columns.
    assert by_label["评审：正确性"] == ("不报告：有效评审不足（有效 0，失败 1）",) * 2
    assert by_label["召回率@3"] == ("1.000", "1.000")
    assert by_label["误拒率"] == ("—", "—")  # no item of the fixture has the figure
    assert all("None" not in raw + reviewed for _, raw, reviewed in rows)


CLAUSE = Clause(
    doc_id="d",
    doc_title="文件",
    clause="一",
    part="",
    heading="一、",
    label="《文件》一",
    order=1,
    start=0,
    end=10,
    text="一、各地应当在2025年底前完成河长制建设。",
)
DRAFT = {
    "id": "fb-1",
    "question": "河长制什么时候完成？",
    "answerable": True,
    "gold_clauses": [],
    "key_facts": [],
    "type": "lookup",
    "note": f"{NEEDS_REVIEW}：来自用户反馈（不完整）",
}


def test_reviewed_draft_is_saved_into_a_dataset_without_the_review_mark(store, tmp_path):
    review = store.record(
        Review(
            run_id=FEEDBACK,
            item_id="fb-1",
            reviewer="zhao",
            gold_clauses=["d#一"],
            key_facts=["2025年底前"],
            type="number_date",
        )
    )
    path = tmp_path / "reviewed.jsonl"
    path.write_text(
        json.dumps({"id": "old", "question": "旧题", "answerable": False}, ensure_ascii=False) + "\n", "utf-8"
    )

    save_reviewed_drafts([DRAFT, {**DRAFT, "id": "fb-2"}], store.latest(FEEDBACK), {"d#一": CLAUSE}, path)

    items = load_items(path)
    assert [i.id for i in items] == ["old", "fb-1"]  # fb-2 was not reviewed and stays out
    saved = items[1]
    assert NEEDS_REVIEW not in saved.note
    assert f"已复核（zhao，{review.created_at}）" in saved.note
    assert (saved.gold_clauses, saved.key_facts, saved.type) == (["d#一"], ["2025年底前"], "number_date")


def test_draft_with_a_key_fact_outside_its_gold_is_not_saved(store, tmp_path):
    store.record(Review(run_id=FEEDBACK, item_id="fb-1", reviewer="zhao", gold_clauses=["d#一"], key_facts=["2030年"]))
    path = tmp_path / "reviewed.jsonl"
    with pytest.raises(UserError, match="2030年"):
        save_reviewed_drafts([DRAFT], store.latest(FEEDBACK), {"d#一": CLAUSE}, path)
    assert not path.exists()


def test_change_rows_list_every_metric_that_moved_and_the_grid_stars_the_best():
    from assistant.evals.compare import compare_runs, side_by_side
    from assistant.evals.report import change_rows, side_by_side_rows

    before = hand_run()
    after = hand_run()
    after.run_id = "run-2"
    after.items[0].metrics.update({"hit@1": 1.0, "mrr": 1.0})
    after.aggregates, _ = aggregate(after.items)

    rows = change_rows(compare_runs(before, after), 3)

    assert [(r["编号"], r["指标"], r["A"], r["B"], r["变化"]) for r in rows] == [
        ("a", "首位命中率", "0.000", "1.000", "变好"),
        ("a", "MRR@3", "0.500", "1.000", "变好"),
    ]
    grid = {r["指标"]: r for r in side_by_side_rows(side_by_side([before, after]), 3)}
    assert (grid["首位命中率"]["[1]"], grid["首位命中率"]["[2]"]) == ("0.500", "1.000 ★")
    assert (grid["要点覆盖率"]["[1]"], grid["要点覆盖率"]["[2]"]) == ("0.750", "0.750")  # a tie stars no one


def test_judge_figures_carry_valid_and_failed_counts_in_the_side_by_side_and_comparison_tables():
    from assistant.evals.compare import compare_runs, side_by_side
    from assistant.evals.report import delta_rows, side_by_side_rows

    before = hand_run()
    after = hand_run()
    after.run_id = "run-2"
    after.items[1].metrics["judge_correctness"] = 1.0
    after.items[1].judge_valid, after.items[1].judge_failures = 1, 0
    after.aggregates, _ = aggregate(after.items)
    after.counts.update(judge_valid=1, judge_failures=0)

    grid = {r["指标"]: r for r in side_by_side_rows(side_by_side([before, after]), 3, [before, after])}
    deltas = {r["指标"]: r for r in delta_rows(compare_runs(before, after), 3, before, after)}

    assert (grid["评审：正确性"]["[1]"], grid["评审：正确性"]["[2]"]) == (
        "—（有效 0，失败 1）",
        "1.000（有效 1，失败 0）",
    )
    assert (deltas["评审：正确性"]["A"], deltas["评审：正确性"]["B"]) == ("—（有效 0，失败 1）", "—（有效 1，失败 0）")
    assert deltas["召回率@3"]["A"] == "1.000"
