"""Check an eval dataset against its corpus without building an index.

Usage: PYTHONPATH=. .venv/bin/python evals/check_dataset.py evals/datasets/laws_dev.jsonl [--corpus DIR]

Every gold (document, article) must exist — both as the project's parser sees the corpus and in the raw
text of the 第N条 paragraphs — and every key fact must stand verbatim in one of its gold articles.
The corpus comes from --corpus, else the dataset's sidecar <name>.meta.json, else the shipped corpus/.
Exit status 1 lists every problem with its row.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.evals.datasets import dataset_corpus, load_dataset
from assistant.evals.goldcheck import check_against_corpus
from assistant.settings import REPO_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, nargs="+")
    parser.add_argument("--corpus", type=Path, default=None)
    args = parser.parse_args(argv)
    status = 0
    for path in args.dataset:
        corpus = dataset_corpus(path, args.corpus) or REPO_ROOT / "corpus"
        dataset = load_dataset(path)
        problems = check_against_corpus(dataset, corpus)
        for problem in problems:
            print(f"{path.name} {problem}")
        answerable = sum(1 for i in dataset.items if i.answerable)
        print(f"{path.name}: {len(dataset)} 题（可回答 {answerable}），文档目录 {corpus}，问题 {len(problems)} 个")
        status |= 1 if problems else 0
    return status


if __name__ == "__main__":
    sys.exit(main())
