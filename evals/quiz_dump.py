"""Build offline quizzes from document files and dump them for a human judge (no index needed).

Usage: python evals/quiz_dump.py N SEED[,SEED…] FILE [FILE …]
Prints, per document and seed, every item (type, stem, options, key, swap) with its source sentence, then the
type mix, the share of true statements, the trivia count and the builder's notices.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from assistant.ingest import load_document
from assistant.quiz.build import build_from_documents, is_trivia
from assistant.quiz.types import TRUE, BuildRequest


def main(n: int, seeds: list[int], paths: list[Path]) -> None:
    for path in paths:
        document = load_document(path)
        for seed in seeds:
            result = build_from_documents([document], BuildRequest(n=n, seed=seed, doc_ids=[document.doc_id]))
            print(f"\n=== {document.title} seed {seed}: {len(result.items)}/{n} items")
            for number, item in enumerate(result.items, 1):
                print(f"[{number}] {item.type} {item.stem}")
                if item.options and item.type != "tf":
                    print(f"    options: {' | '.join(item.options)}  key: {'、'.join(item.answer)}")
                else:
                    print(
                        f"    key: {'、'.join(item.answer)}"
                        + (f"  swap: {item.swap.original} → {item.swap.replacement}" if item.swap else "")
                    )
                print(f"    source: {item.answer_span}")
            counts = Counter(i.type for i in result.items)
            tf = [i for i in result.items if i.type == "tf"]
            true = sum(i.answer == [TRUE] for i in tf)
            print(f"--- mix {dict(counts)} true {true}/{len(tf)} trivia {sum(map(is_trivia, result.items))}")
            for notice in result.notices:
                print(f"--- notice: {notice}")


if __name__ == "__main__":
    main(int(sys.argv[1]), [int(s) for s in sys.argv[2].split(",")], [Path(p) for p in sys.argv[3:]])
