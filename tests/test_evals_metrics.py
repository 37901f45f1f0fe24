"""Eval metrics on hand-computed cases, scoring of constructed answers, and aggregation.

Every expected value is worked out by hand in the test, not recomputed with the code under test.
"""

from __future__ import annotations

import math

import pytest

from assistant.evals import metrics as m
from assistant.evals.runner import ItemResult, aggregate, score_answer
from assistant.types import Answer, Citation, Hit

DOC = "western-development-guideline-2020"


def key(clause: str) -> str:
    return f"{DOC}#{clause}"


# Clause 十六 of the directive, as its source spells it (ASCII comma).
RIVER_FACT = "全面推进河长制、湖长制"
RIVER_SENTENCE = "全面推进河长制、湖长制,推进绿色小水电改造。"


def hit(rank: int, clause: str) -> Hit:
    return Hit(
        rank=rank,
        doc_id=DOC,
        doc_title="中共中央国务院关于新时代推进西部大开发形成新格局的指导意见",
        clause=clause,
        part="",
        label=f"《指导意见》（{clause}）",
        text="……",
        score=1.0 / rank,
        scores={"dense": None, "bm25": None},
    )


def citation(n: int, clause: str, verified: bool = True) -> Citation:
    return Citation(n=n, doc_id=DOC, clause=clause, label=f"《指导意见》（{clause}）", quote="……", verified=verified)


def answer(text: str, refused: bool, hits: list[str], citations: list[Citation]) -> Answer:
    return Answer(
        question="问题",
        standalone_question="问题",
        answer=text,
        refused=refused,
        mode="extractive",
        citations=citations,
        hits=[hit(rank, clause) for rank, clause in enumerate(hits, start=1)],
    )


def item_result(item_id: str, kind: str, metrics: dict[str, float | None], answerable: bool = True) -> ItemResult:
    return ItemResult(
        id=item_id,
        type=kind,
        question="问题",
        standalone_question="问题",
        answerable=answerable,
        gold_clauses=[],
        key_facts=[],
        answer="",
        refused=not answerable,
        mode="extractive",
        notice=None,
        citations=[],
        retrieved=[],
        missed_facts=[],
        metrics=metrics,
        latency_ms={"retrieval_ms": 1.0, "answer_ms": 1.0, "total_ms": 2.0},
    )


# --- retrieval ---------------------------------------------------------------


def test_recall_at_k_counts_gold_clauses_within_the_top_k():
    ranked = ["十四", "十六", "三十", "十七", "二"]
    assert m.recall_at_k(ranked, ["十六", "十七"], k=3) == 0.5
    assert m.recall_at_k(ranked, ["十六", "十七"], k=5) == 1.0
    assert m.recall_at_k(ranked, ["九"], k=5) == 0.0


def test_recall_counts_a_gold_clause_listed_twice_once():
    assert m.recall_at_k(["十六", "十四"], ["十六", "十六"], k=5) == 1.0
    assert m.recall_at_k(["十六", "十四"], ["十六", "十六", "十七"], k=5) == 0.5


def test_a_clause_of_another_document_with_the_same_name_is_not_gold():
    # Every law has a 第十条: the hit must be the gold document's, not any document's.
    gold = ["长江保护法-2020-12-26#第十条"]
    assert m.recall_at_k(["黄河保护法-2022-10-30#第十条", "长江保护法-2020-12-26#第十条"], gold, k=5) == 1.0
    assert m.hit_at_1(["黄河保护法-2022-10-30#第十条", "长江保护法-2020-12-26#第十条"], gold) == 0.0
    assert m.reciprocal_rank(["黄河保护法-2022-10-30#第十条", "长江保护法-2020-12-26#第十条"], gold) == 0.5
    assert m.recall_at_k(["黄河保护法-2022-10-30#第十条"], gold, k=5) == 0.0
    assert m.gold_cited(["黄河保护法-2022-10-30#第十条"], gold) == 0.0
    assert m.citation_precision(["黄河保护法-2022-10-30#第十条", "长江保护法-2020-12-26#第十条"], gold) == 0.5


def test_a_bare_clause_name_never_matches_a_keyed_clause():
    assert m.recall_at_k([f"{DOC}#十六"], ["十六"], k=5) == 0.0
    assert m.hit_at_1([f"{DOC}#十六"], ["十六"]) == 0.0


def test_hit_at_1_only_looks_at_the_first_clause():
    assert m.hit_at_1(["十六", "十四"], ["十六"]) == 1.0
    assert m.hit_at_1(["十四", "十六"], ["十六"]) == 0.0
    assert m.hit_at_1([], ["十六"]) == 0.0


def test_reciprocal_rank_is_one_over_the_first_gold_position():
    assert m.reciprocal_rank(["一", "二", "十六", "十七"], ["十七", "十六"]) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(["十六"], ["十六"]) == 1.0
    assert m.reciprocal_rank(["一", "二"], ["十六"]) == 0.0


def test_ndcg_with_gold_at_ranks_2_and_4():
    ranked = ["一", "十六", "二", "十七", "三"]
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3)
    assert m.ndcg_at_k(ranked, ["十六", "十七"], k=5) == pytest.approx(dcg / idcg)
    assert m.ndcg_at_k(ranked, ["十六", "十七"], k=5) == pytest.approx(0.6509, abs=1e-4)


def test_ndcg_of_a_perfect_ranking_is_one_and_of_no_gold_is_zero():
    assert m.ndcg_at_k(["十六", "十七", "一"], ["十六", "十七"], k=5) == pytest.approx(1.0)
    assert m.ndcg_at_k(["一", "二"], ["十六"], k=5) == 0.0


def test_ndcg_counts_a_clause_retrieved_twice_once():
    # Rank 1 and rank 2 are both 十六: only rank 1 gains; 十七 at rank 3 gains 1/log2(4).
    expected = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert m.ndcg_at_k(["十六", "十六", "十七"], ["十六", "十七"], k=5) == pytest.approx(expected)


def test_ndcg_ideal_is_capped_at_k_gold_clauses():
    # Three gold clauses but k=2: the ideal ranking fills both places, so two gold hits score 1.
    assert m.ndcg_at_k(["十六", "十七"], ["十六", "十七", "十八"], k=2) == pytest.approx(1.0)


def test_ndcg_ignores_gold_beyond_k():
    # 十七 sits at rank 3, outside k=2.
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert m.ndcg_at_k(["一", "十六", "十七"], ["十六", "十七"], k=2) == pytest.approx(expected)


# --- answer ------------------------------------------------------------------


def test_key_fact_written_with_full_width_punctuation_matches_an_ascii_answer():
    fact = "到2035年，西部地区基本实现社会主义现代化"
    assert m.key_fact_coverage("意见提出：到2035年,西部地区基本实现社会主义现代化。", [fact]) == 1.0


def test_key_fact_written_with_ascii_punctuation_matches_a_full_width_answer():
    fact = "中新(重庆)战略性互联互通示范项目"
    assert m.key_fact_coverage("积极实施中新（重庆）战略性互联互通示范项目。", [fact]) == 1.0
    assert m.key_fact_coverage("到２０３５年基本实现", ["到2035年基本实现"]) == 1.0


def test_key_fact_coverage_ignores_line_breaks_and_spaces_in_the_answer():
    assert m.key_fact_coverage("全面推进河长制、\n湖长 制", [RIVER_FACT]) == 1.0


def test_key_fact_coverage_is_the_share_of_facts_present():
    facts = [RIVER_FACT, "推进绿色小水电改造", "加强入河排污口管理"]
    assert m.key_fact_coverage(RIVER_SENTENCE, facts) == pytest.approx(2 / 3)
    assert m.key_fact_coverage("", facts) == 0.0


def test_a_paraphrased_fact_is_not_covered():
    assert m.key_fact_coverage("全面推行河长制和湖长制", [RIVER_FACT]) == 0.0


def test_missed_facts_lists_the_absent_facts_in_dataset_order():
    # 、 and ， are different marks: normalisation folds width, not punctuation kind.
    facts = ["加强入河排污口管理", "全面推进河长制，湖长制", "推进绿色小水电改造", "强化污水截流"]
    assert m.missed_facts(RIVER_SENTENCE, facts) == ["加强入河排污口管理", "全面推进河长制，湖长制", "强化污水截流"]
    assert m.missed_facts(RIVER_SENTENCE, [RIVER_FACT]) == []


def test_token_f1_on_a_hand_segmented_case():
    # jieba: 加快/推进/河长制/建设 against 全面/推进/河长制 → overlap 2, P = 2/4, R = 2/3, F1 = 4/7.
    assert m.token_f1("加快推进河长制建设", ["全面推进河长制"]) == pytest.approx(4 / 7)


def test_token_f1_drops_stopwords_and_punctuation():
    # 意见 and 要求 are stopwords, 。 is punctuation: 全面/推进/河长制 on both sides.
    assert m.token_f1("意见要求全面推进河长制。", ["全面推进河长制"]) == pytest.approx(1.0)


def test_token_f1_pools_the_key_facts():
    # Gold tokens 全面/推进/河长制 + 推进/绿色/小水电/改造 (推进 twice); answer 推进/绿色/小水电/改造.
    # Overlap 4, P = 4/4, R = 4/7, F1 = 8/11.
    assert m.token_f1("推进绿色小水电改造", ["全面推进河长制", "推进绿色小水电改造"]) == pytest.approx(8 / 11)


def test_token_f1_without_overlap_or_text_is_zero():
    assert m.token_f1("发展现代职业教育", ["全面推进河长制"]) == 0.0
    assert m.token_f1("", ["全面推进河长制"]) == 0.0


# --- citations ---------------------------------------------------------------


def test_gold_cited_is_the_share_of_gold_clauses_cited():
    assert m.gold_cited(["十六", "十六", "十四"], ["十六", "十七"]) == 0.5
    assert m.gold_cited([], ["十六"]) == 0.0
    assert m.gold_cited([f"{DOC}#十六"], [f"{DOC}#十六"]) == 1.0


def test_citation_precision_counts_a_clause_cited_twice_once():
    # Distinct cited clauses: 十六 (gold) and 十四 → 1/2, not 2/3.
    assert m.citation_precision(["十六", "十六", "十四"], ["十六"]) == 0.5
    assert m.citation_precision(["十六", "十六"], ["十六"]) == 1.0


def test_citation_precision_without_citations_is_zero_as_in_alce():
    assert m.citation_precision([], ["十六"]) == 0.0


def test_quotes_verified_is_the_verified_share_and_none_without_citations():
    assert m.quotes_verified([True, False, True, True]) == 0.75
    assert m.quotes_verified([False]) == 0.0
    assert m.quotes_verified([]) is None


# --- latency -----------------------------------------------------------------


def test_percentile_is_nearest_rank():
    values = [50.0, 15.0, 40.0, 20.0, 35.0]  # sorted: 15 20 35 40 50
    assert m.percentile(values, 0) == 15.0
    assert m.percentile(values, 30) == 20.0  # ceil(1.5) = 2nd
    assert m.percentile(values, 40) == 20.0  # ceil(2.0) = 2nd
    assert m.percentile(values, 50) == 35.0  # ceil(2.5) = 3rd
    assert m.percentile(values, 95) == 50.0  # ceil(4.75) = 5th
    assert m.percentile(values, 100) == 50.0
    assert m.percentile(list(range(1, 11)), 70) == 7
    assert m.percentile([42.0], 95) == 42.0


def test_percentile_of_nothing_is_nan():
    assert math.isnan(m.percentile([], 50))


# --- scoring one answer ------------------------------------------------------


def test_score_answer_on_an_answered_item():
    result = answer(
        text=f"意见提出：“{RIVER_SENTENCE}”[1]",
        refused=False,
        hits=["十四", "十六", "三十", "十七", "二"],
        citations=[citation(1, "十六"), citation(2, "十六"), citation(3, "十四", verified=False)],
    )
    scores, missed = score_answer(result, True, [key("十六"), key("十七")], [RIVER_FACT, "加强入河排污口管理"], k=5)
    assert scores["recall@k"] == 1.0
    assert scores["hit@1"] == 0.0
    assert scores["mrr"] == 0.5
    assert scores["ndcg@k"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3)))
    assert scores["gold_cited"] == 0.5
    assert scores["citation_precision"] == 0.5
    assert scores["quotes_verified"] == pytest.approx(2 / 3)
    assert scores["key_fact_coverage"] == 0.5
    assert scores["false_refusal"] == 0.0
    assert scores["refusal_correct"] is None
    assert scores["judge_correctness"] is None
    assert missed == ["加强入河排污口管理"]


def test_score_answer_uses_only_the_top_k_retrieved():
    result = answer("……", False, ["一", "二", "十六"], [citation(1, "十六")])
    scores, _ = score_answer(result, True, [key("十六")], [RIVER_FACT], k=2)
    assert scores["recall@k"] == 0.0
    assert scores["ndcg@k"] == 0.0
    assert scores["mrr"] == pytest.approx(1 / 3)


def test_unanswerable_item_refused_scores_refusal_correct_and_nothing_answerable():
    refusal = answer("文件中没有找到相关规定。", True, ["三十", "十二"], [])
    scores, missed = score_answer(refusal, False, [], [], k=5)
    assert scores["refusal_correct"] == 1.0
    for metric in (
        "false_refusal",
        "recall@k",
        "hit@1",
        "mrr",
        "ndcg@k",
        "gold_cited",
        "citation_precision",
        "key_fact_coverage",
        "token_f1",
        "quotes_verified",
    ):
        assert scores[metric] is None, metric
    assert missed == []


def test_unanswerable_item_answered_scores_refusal_correct_zero():
    answered = answer(RIVER_SENTENCE, False, ["十六"], [citation(1, "十六")])
    scores, _ = score_answer(answered, False, [], [], k=5)
    assert scores["refusal_correct"] == 0.0
    assert scores["false_refusal"] is None
    assert scores["key_fact_coverage"] is None


def test_answerable_item_refused_is_a_false_refusal_with_no_coverage():
    # The refusal quotes the closest text, which contains the fact; a refusal still covers nothing.
    refusal = answer(
        f"文件中没有找到具体规定。文件中最接近的表述是：“{RIVER_SENTENCE}”，仅供参考。", True, ["十六"], []
    )
    scores, missed = score_answer(refusal, True, [key("十六")], [RIVER_FACT], k=5)
    assert scores["false_refusal"] == 1.0
    assert scores["refusal_correct"] is None
    assert scores["key_fact_coverage"] == 0.0
    assert scores["token_f1"] == 0.0
    assert scores["gold_cited"] == 0.0
    assert scores["citation_precision"] == 0.0  # ALCE: an answer citing nothing scores 0
    assert scores["recall@k"] == 1.0  # retrieval found it; the answerer refused anyway
    assert missed == [RIVER_FACT]


def test_gold_clause_written_with_its_document_scores_every_retrieval_and_citation_metric():
    result = answer(RIVER_SENTENCE, False, ["十六", "十四"], [citation(1, "十六")])
    qualified, _ = score_answer(result, True, [key("十六")], [RIVER_FACT], k=5)
    for metric in ("recall@k", "hit@1", "mrr", "ndcg@k", "gold_cited", "citation_precision"):
        assert qualified[metric] == 1.0, metric


# --- aggregation -------------------------------------------------------------


def test_aggregate_skips_missing_values_and_means_per_type():
    items = [
        item_result("a", "lookup", {"key_fact_coverage": 1.0, "citation_precision": None, "false_refusal": 0.0}),
        # None here is a metric the item has no value for (score_answer gives an uncited answer 0, see ALCE).
        item_result("b", "lookup", {"key_fact_coverage": 0.5, "citation_precision": 0.5, "false_refusal": 1.0}),
        item_result("c", "list", {"key_fact_coverage": 0.0, "citation_precision": 1.0, "false_refusal": 0.0}),
        item_result("d", "unanswerable", {"key_fact_coverage": None, "refusal_correct": 1.0}, answerable=False),
    ]
    overall, by_type = aggregate(items)
    assert overall["key_fact_coverage"] == 0.5  # (1 + 0.5 + 0) / 3: the unanswerable item is not a zero
    assert overall["citation_precision"] == 0.75  # (0.5 + 1) / 2: no citations is not a zero
    assert overall["false_refusal"] == pytest.approx(1 / 3)
    assert overall["refusal_correct"] == 1.0
    assert overall["recall@k"] is None  # no item has it
    assert set(by_type) == {"lookup", "list", "unanswerable"}
    assert by_type["lookup"]["key_fact_coverage"] == 0.75
    assert by_type["lookup"]["citation_precision"] == 0.5
    assert by_type["lookup"]["false_refusal"] == 0.5
    assert by_type["lookup"]["refusal_correct"] is None
    assert by_type["list"]["key_fact_coverage"] == 0.0
    assert by_type["unanswerable"]["key_fact_coverage"] is None
    assert by_type["unanswerable"]["refusal_correct"] == 1.0


def test_aggregate_of_no_items_is_all_none():
    overall, by_type = aggregate([])
    assert all(value is None for value in overall.values())
    assert by_type == {}
