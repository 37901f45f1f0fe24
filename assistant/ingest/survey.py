"""How a folder of documents parses, without indexing it: `python -m assistant.ingest.survey DIR` prints JSON."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from assistant.ingest import load_corpus


def survey(folder: Path) -> dict[str, object]:
    started = time.perf_counter()
    report = load_corpus(folder)
    seconds = time.perf_counter() - started
    documents = report.documents
    return {
        "documents": len(documents),
        "errors": len(report.errors),
        "error_reasons": dict(Counter(e.reason for e in report.errors)),
        "clauses": sum(len(d.clauses) for d in documents),
        "articles": sum(c.is_article for d in documents for c in d.clauses),
        "without_articles": sorted(d.doc_id for d in documents if not any(c.is_article for c in d.clauses)),
        "kinds": dict(Counter(d.kind or "（未知）" for d in documents)),
        "without_issuer": sum(not d.issuer for d in documents),
        "older_versions": sum(not d.in_force for d in documents),
        "seconds": round(seconds, 2),
    }


if __name__ == "__main__":
    print(json.dumps(survey(Path(sys.argv[1])), ensure_ascii=False, indent=2))
