"""Build an offline quiz from every document of a folder: a robustness scan, not a quality measure.

Usage: python evals/quiz_build_all.py FOLDER [N] [SEED]
Prints every document the builder fails on (with the error), then how many documents were built, how many items
they gave and how many quizzes came out short of N.
"""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.ingest import load_document
from assistant.ingest.readers import ReadError
from assistant.quiz.build import build_from_documents
from assistant.quiz.types import BuildRequest


def main(folder: Path, n: int = 10, seed: int = 5) -> None:
    built = items = short = unreadable = 0
    failures: list[str] = []
    for path in sorted(folder.rglob("*.md")):
        try:
            document = load_document(path)
        except ReadError:
            unreadable += 1  # an index page with front matter only is no document
            continue
        try:
            result = build_from_documents([document], BuildRequest(n=n, seed=seed))
        except Exception as exc:
            failures.append(f"{path}: {exc!r}")
            continue
        built += 1
        items += len(result.items)
        short += len(result.items) < n
    for line in failures:
        print("FAILED", line)
    print(f"built {built}, failed {len(failures)}, unreadable {unreadable}; items {items}; short of {n}: {short}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), *(int(a) for a in sys.argv[2:4]))
