"""The modal-word cue of true/false statements over whole-document offline builds: per modal word, how many
stems containing it are true, and how often answering by the word alone is right.

Usage: python evals/quiz_modal_cue.py N SEED[,SEED…] FILE [FILE …]
"""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.ingest import load_document
from assistant.quiz.build import build_from_documents
from assistant.quiz.types import BuildRequest
from tests.quiz_judge import cue_accuracy, modal_cue


def main(n: int, seeds: list[int], paths: list[Path]) -> None:
    everything = []
    for path in paths:
        document = load_document(path)
        quizzes = [build_from_documents([document], BuildRequest(n=n, seed=seed)).items for seed in seeds]
        everything += quizzes
        counts = modal_cue(quizzes)
        tf = sum(i.type == "tf" for q in quizzes for i in q)
        print(f"{document.short_title}: tf {tf}; (true, all) {counts}; rule accuracy {cue_accuracy(counts, 1)}")
    counts = modal_cue(everything)
    print(f"all: (true, all) {counts}; rule accuracy {cue_accuracy(counts)}")


if __name__ == "__main__":
    main(int(sys.argv[1]), [int(s) for s in sys.argv[2].split(",")], [Path(p) for p in sys.argv[3:]])
