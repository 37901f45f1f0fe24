"""Calibrate the refusal similarity floors on one or more datasets and write them to the model's profile.

Usage: .venv/bin/python evals/calibrate_refusal.py [DATASET ...] [--write]
Each dataset runs on its own corpus (see bench_corpus.py). The chosen floors are the grid point with the
best worst-case score over the datasets (refusal accuracy minus twice the false refusals), the middle of
the band of equally good min_dense values; --write stores them in profiles/<embedding model>.toml.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench_corpus import assistant_for

from assistant.answer.refusal import Thresholds, assess
from assistant.evals.datasets import load_items
from assistant.profile import load_profile, profile_path, save_profile
from assistant.settings import Settings

HERE = Path(__file__).resolve().parent
MIN_DENSE = (0.85, 0.86, 0.865, 0.87, 0.875, 0.88, 0.885, 0.89)
MIN_LEXICAL = (0.25, 0.35, 0.45)


def cases_for(dataset: Path) -> list[tuple[bool, str, list, list, bool]]:
    assistant = assistant_for(dataset)
    extractive = assistant.engine.extractive
    cases = []
    for item in load_items(dataset):
        retrieval = assistant.searcher.retrieve(item.question, assistant.settings.retrieval.k)
        evidence = extractive.evidence(retrieval)
        cases.append((item.answerable, retrieval.query, evidence.selected, evidence.best, bool(retrieval.pinned)))
    return cases


def rates(cases: list, thresholds: Thresholds) -> tuple[float, float]:
    refused = [(ok, not assess(q, sel, best, thresholds, referenced=ref).covered) for ok, q, sel, best, ref in cases]
    unanswerable = [r for ok, r in refused if not ok]
    answerable = [r for ok, r in refused if ok]
    return (sum(unanswerable) / len(unanswerable) if unanswerable else 1.0), sum(answerable) / len(answerable)


def main(argv: list[str]) -> None:
    datasets = [Path(a) for a in argv if not a.startswith("--")] or [HERE / "datasets" / "dev.jsonl"]
    per_dataset = {d: cases_for(d) for d in datasets}
    for dataset, cases in per_dataset.items():
        print(f"{dataset.name}: {sum(not c[0] for c in cases)} unanswerable, {sum(c[0] for c in cases)} answerable")
    header = " | ".join(f"{d.stem} refusal / false" for d in datasets)
    print(f"| min_dense | min_lexical | {header} | score |\n|---|---|" + "---|" * (len(datasets) + 1))
    settings = Settings()
    profile = load_profile(settings.profiles_dir, settings.embedding.profile_name)
    scored: list[tuple[float, float, float]] = []
    for min_lexical in MIN_LEXICAL:
        for min_dense in MIN_DENSE:
            thresholds = Thresholds(min_dense=min_dense, min_lexical=min_lexical)
            results = [rates(cases, thresholds) for cases in per_dataset.values()]
            score = min(refusal - 2 * false for refusal, false in results)
            scored.append((score, min_lexical, min_dense))
            cells = " | ".join(f"{r:.3f} / {f:.3f}" for r, f in results)
            mark = "  ← current" if thresholds == profile.refusal else ""
            print(f"| {min_dense} | {min_lexical} | {cells} | {score:.3f} |{mark}")
    best = max(s for s, _, _ in scored)
    lexical = min(lex for s, lex, _ in scored if s == best)
    band = sorted(d for s, lex, d in scored if s == best and lex == lexical)
    chosen = Thresholds(min_dense=band[len(band) // 2], min_lexical=lexical)
    print(f"chosen: min_dense={chosen.min_dense} min_lexical={chosen.min_lexical} (band {band[0]}–{band[-1]})")
    if "--write" in argv:
        path = profile_path(settings.profiles_dir, settings.embedding.profile_name)
        updated = profile.model_copy(
            update={"refusal": chosen, "calibrated_on": sorted({*profile.calibrated_on, *(d.name for d in datasets)})}
        )
        save_profile(updated, path, header=PROFILE_HEADER)
        print(f"written to {path}")


PROFILE_HEADER = (
    "Settings profile of one embedding model: fusion weights, sentence scoring, refusal floors.\n"
    "Written by evals/calibrate_refusal.py and evals/calibrate_fusion.py (--write); re-run them to change it."
)

if __name__ == "__main__":
    main(sys.argv[1:])
