"""Calibrate the fusion weights (dense chunks, best sentence, BM25) and write them to the model's profile.

Usage: .venv/bin/python evals/calibrate_fusion.py [DATASET ...] [--write]
Sweeps a small grid; the chosen weights have the best worst-case MRR over the datasets (ties: hit@1, then
the current weights). --write stores them in profiles/<embedding model>.toml.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from statistics import mean

from bench_corpus import assistant_for
from calibrate_refusal import PROFILE_HEADER

from assistant.evals.datasets import load_items
from assistant.evals.metrics import hit_at_1, reciprocal_rank
from assistant.profile import FusionProfile, load_profile, profile_path, save_profile
from assistant.retrieve import HybridSearcher
from assistant.settings import Settings

HERE = Path(__file__).resolve().parent
GRID = (0.0, 0.5, 1.0, 2.0)


def main(argv: list[str]) -> None:
    datasets = [Path(a) for a in argv if not a.startswith("--")] or [HERE / "datasets" / "dev.jsonl"]
    settings = Settings()
    profile = load_profile(settings.profiles_dir, settings.embedding.profile_name)
    searchers = {d: assistant_for(d).searcher for d in datasets}
    items = {d: [i for i in load_items(d) if i.answerable] for d in datasets}
    results: list[tuple[float, float, bool, FusionProfile]] = []
    print("| dense | sentence | bm25 | worst MRR | worst hit@1 |\n|---|---|---|---|---|")
    for dense, sentence, bm25 in itertools.product(GRID, GRID, GRID):
        if dense == sentence == bm25 == 0.0:
            continue
        fusion = profile.fusion.model_copy(
            update={"dense_weight": dense, "sentence_weight": sentence, "bm25_weight": bm25}
        )
        mrrs, hits = [], []
        for dataset, base in searchers.items():
            searcher = HybridSearcher(
                base.index, base.candidates, base.rrf_k, dense, bm25, sentence, base.named_document_weight
            )
            ranked = [([r.clause.key for r in searcher.rank(i.question, 20)], i.gold_clauses) for i in items[dataset]]
            mrrs.append(mean(reciprocal_rank(r, g) for r, g in ranked))
            hits.append(mean(hit_at_1(r, g) for r, g in ranked))
        results.append((min(mrrs), min(hits), fusion == profile.fusion, fusion))
        print(f"| {dense} | {sentence} | {bm25} | {min(mrrs):.3f} | {min(hits):.3f} |")
    best = max(results, key=lambda r: (r[0], r[1], r[2]))
    print(f"chosen: {best[3]} (worst MRR {best[0]:.3f}, worst hit@1 {best[1]:.3f})")
    if "--write" in argv:
        path = profile_path(settings.profiles_dir, settings.embedding.profile_name)
        updated = profile.model_copy(
            update={"fusion": best[3], "calibrated_on": sorted({*profile.calibrated_on, *(d.name for d in datasets)})}
        )
        save_profile(updated, path, header=PROFILE_HEADER)
        print(f"written to {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
