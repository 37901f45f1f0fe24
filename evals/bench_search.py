"""Warm search latency on an index that is already built, for questions naming a document and without the name.

Usage (compare two checkouts side by side, alternating, on the same index):
    POLICY_ASSISTANT_DATA_DIR=<work>/data POLICY_ASSISTANT_CORPUS_DIR=<work>/corpus \
        PYTHONPATH=<checkout> .venv/bin/python <checkout>/evals/bench_search.py --queries 60
<work> is a `bench_scale.py --workdir`. Prints p50/p95 in ms: named (each question names another document, so
its vectors are fetched), unnamed (the same questions without the name), named_again (the same named questions
once more), and the load average.
"""

from __future__ import annotations

import argparse
import json
import os

from bench_scale import questions_for, timed_searches  # a sibling script: run this one as a script, from any folder

from assistant.service import PolicyAssistant
from assistant.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    assistant = PolicyAssistant(Settings())
    index, searcher = assistant.index, assistant.searcher
    named = questions_for(index, args.queries + 5)
    unnamed = questions_for(index, args.queries + 5, named=False)
    for question in named[-5:] + unnamed[-5:]:  # warm up on questions that are not measured
        searcher.search(question, 5)
    figures: dict[str, object] = {"documents": len(index.documents), "clauses": len(index.clauses)}
    for label, asked in (
        ("named", named[: args.queries]),
        ("unnamed", unnamed[: args.queries]),
        ("named_again", named[: args.queries]),
    ):
        figures[label] = {name: round(ms, 1) for name, ms in timed_searches(searcher, asked).items()}
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
