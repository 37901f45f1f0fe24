"""Calibrate the refusal thresholds on a dataset: sweep them, print refusal accuracy and false refusals.

Usage: .venv/bin/python evals/calibrate_refusal.py [DATASET]
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from assistant.answer.refusal import Thresholds, assess
from assistant.evals.datasets import load_items
from assistant.service import PolicyAssistant
from assistant.settings import Settings

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> None:
    dataset = Path(argv[0]) if argv else HERE / "datasets" / "dev.jsonl"
    assistant = PolicyAssistant(Settings())
    assistant.ensure_index()
    extractive = assistant.engine.extractive
    cases = []
    for item in load_items(dataset):
        retrieval = assistant.searcher.retrieve(item.question, assistant.settings.retrieval.k)
        evidence = extractive.evidence(retrieval)
        cases.append((item, retrieval.query, evidence.selected, evidence.best))
    print(
        f"dataset {dataset.name}: {sum(not c[0].answerable for c in cases)} unanswerable, "
        f"{sum(c[0].answerable for c in cases)} answerable"
    )
    print("| min_dense | min_lexical | refusal accuracy | false refusals |\n|---|---|---|---|")
    default = Thresholds()
    for min_dense in (0.85, 0.86, 0.87, 0.875, 0.88, 0.885, 0.89):
        for min_lexical in (0.25, 0.35, 0.45):
            thresholds = replace(default, min_dense=min_dense, min_lexical=min_lexical)
            refused = [(item, not assess(q, sel, best, thresholds).covered) for item, q, sel, best in cases]
            unanswerable = [r for item, r in refused if not item.answerable]
            answerable = [r for item, r in refused if item.answerable]
            mark = "  ← default" if thresholds == default else ""
            print(
                f"| {min_dense} | {min_lexical} | {sum(unanswerable) / len(unanswerable):.3f} | "
                f"{sum(answerable) / len(answerable):.3f} |{mark}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
