"""Re-gate a blind reviewer's exported quiz items with the current gates: a measurement, not a target.

Usage: python evals/quiz_regate.py REVIEW_DIR CORPUS_DIR [CORPUS_DIR ...]
REVIEW_DIR holds one verdict file judge*.py (judge18a.py, judge12b.py, judge2.py …; J: the reviewer's defective items,
(quiz, index, classes, why, borderline)) and out/*.json
(the exported quizzes). Prints how many of the defective items each gate now rejects, per class, and how many items
the reviewer accepted that the gates now reject (with the gate).
"""

from __future__ import annotations

import json
import runpy
import sys
from collections import Counter
from pathlib import Path

from assistant.ingest import load_document
from assistant.quiz.build import checker_for
from assistant.quiz.gates import Checker
from assistant.quiz.types import QuizItem


def main(review: Path, corpora: list[Path]) -> None:
    judges = sorted(review.glob("judge*.py"))
    if len(judges) != 1:
        raise SystemExit(f"{review}: expected one judge*.py verdict file, found {len(judges)}")
    judge_file = judges[0]
    judged = runpy.run_path(str(judge_file))["J"]
    defects = {(q, i): (classes, borderline) for q, i, classes, _why, borderline in judged}
    documents = {}
    for corpus in corpora:
        for path in sorted(corpus.iterdir()):
            if path.suffix in (".md", ".txt"):
                document = load_document(path)
                documents[document.doc_id] = document
    checkers: dict[str, Checker] = {}
    caught: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    lost: list[str] = []
    clean = 0
    for path in sorted((review / "out").glob("*.json")):
        quiz = path.stem
        for index, data in enumerate(json.loads(path.read_text(encoding="utf-8"))["items"], 1):
            item = QuizItem.model_validate({k: v for k, v in data.items() if k != "id"})
            if item.doc_id not in checkers:
                checkers[item.doc_id] = checker_for([documents[item.doc_id]])
            checker = checkers[item.doc_id]
            problems = checker.problems(checker.verified(item))
            if (quiz, index) in defects:
                classes, borderline = defects[(quiz, index)]
                for c in {*classes, "all", "strict" if not borderline else "borderline"}:
                    totals[c] += 1
                    caught[c] += bool(problems)
                print(f"{'REJECT' if problems else 'pass  '} defect {quiz}#{index} {'+'.join(classes)} {problems}")
            else:
                clean += 1
                if problems:
                    lost.append(f"LOST clean {quiz}#{index} {item.type} {problems}: {item.stem[-70:]}")
    print("\n".join(lost))
    print(
        f"defective items rejected: {caught['all']}/{totals['all']} (non-borderline {caught['strict']}/{totals['strict']})"
    )
    for c in sorted(k for k in totals if len(k) == 1):
        print(f"  class {c}: {caught[c]}/{totals[c]}")
    print(f"accepted items lost: {len(lost)}/{clean}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
