"""Per-gate counts and the type mix of offline quizzes built from document files (no index needed).

Usage: python evals/quiz_gate_counts.py N SEED[,SEED…] FILE [FILE …]
Prints, per document: the candidates each gate removed (first gate failed), the offline candidates by type and how
many of them pass the per-item gates, how many passed, the type mix of
the passed pool and of the quizzes over the seeds, and the number of distinct stems across seeds.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

from assistant.ingest import load_document
from assistant.quiz.build import build_from_documents, checker_for
from assistant.quiz.generate import OfflineGenerator
from assistant.quiz.types import QUESTION_TYPES, BuildRequest

request_types = QUESTION_TYPES


def main(n: int, seeds: list[int], paths: list[Path]) -> None:
    for path in paths:
        document = load_document(path)
        mix: Counter[str] = Counter()
        stems: set[str] = set()
        total = 0
        for number, seed in enumerate(seeds):
            result = build_from_documents([document], BuildRequest(n=n, seed=seed, doc_ids=[document.doc_id]))
            if number == 0:
                removed = {g: c for g, c in result.report.removed.items() if c}
                print(f"=== {document.title}: candidates {result.report.candidates} passed {result.report.passed}")
                print(f"    removed {removed}")
                checker = checker_for([document])
                made = OfflineGenerator(checker.lexicon).candidates(
                    document.clauses, BuildRequest(n=n, seed=seed), random.Random(seed)
                )
                sound = Counter(i.type for i in made if checker.first_problem(checker.verified(i)) is None)
                print(
                    f"    candidates by type {dict(Counter(i.type for i in made))}, passing the item gates {dict(sound)}"
                )
                by_type = Counter((r.item.type, r.gate) for r in result.rejected)
                for kind in request_types:
                    gates = {g: c for (t, g), c in sorted(by_type.items()) if t == kind}
                    print(f"    {kind}: rejected {sum(gates.values())} {gates}")
            mix.update(i.type for i in result.items)
            stems.update(i.stem for i in result.items)
            total += len(result.items)
        print(f"    quizzes ({len(seeds)} seeds × {n}): {total} items, mix {dict(mix)}, distinct stems {len(stems)}")


if __name__ == "__main__":
    main(int(sys.argv[1]), [int(s) for s in sys.argv[2].split(",")], [Path(p) for p in sys.argv[3:]])
