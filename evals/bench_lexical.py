"""Lexical index options on real laws: bm25s rebuilt from stored tokens vs SQLite FTS5 updated per document.

Usage: nice .venv/bin/python evals/bench_lexical.py /work/shared/corpora/lawrefbook --docs 100

Both use the same jieba + bigram tokens. Figures: tokenising (paid once per changed document in either design),
a full bm25s build from stored tokens (what an update costs today), FTS5 insert of every document and of one,
query latency, and how often FTS5's top 5 equals bm25s's top 5.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "evals"))

from bench_scale import pick  # noqa: E402

from assistant.ingest import load_document  # noqa: E402
from assistant.lexical import LexicalIndex  # noqa: E402


def ascii_token(token: str) -> str:
    """FTS5's tokenizers split on punctuation; a hashed token keeps jieba's exact token boundaries."""
    return "t" + hashlib.blake2b(token.encode(), digest_size=8).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus_root", type=Path)
    parser.add_argument("--docs", type=int, default=100)
    args = parser.parse_args()

    documents = [load_document(path) for path in pick(args.corpus_root, args.docs)]
    keys = [c.key for d in documents for c in d.clauses]
    texts = [c.text for d in documents for c in d.clauses]
    started = time.perf_counter()
    tokens = LexicalIndex.tokenize(texts)
    figures: dict[str, object] = {
        "documents": len(documents),
        "clauses": len(keys),
        "tokenise_s": time.perf_counter() - started,
    }
    started = time.perf_counter()
    bm25 = LexicalIndex.build_from_tokens(keys, tokens, "bench")
    figures["bm25s_build_from_tokens_s"] = time.perf_counter() - started

    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE clauses USING fts5(key UNINDEXED, doc UNINDEXED, tokens)")
    started = time.perf_counter()
    position = 0
    for document in documents:
        rows = []
        for clause in document.clauses:
            rows.append((clause.key, document.doc_id, " ".join(ascii_token(t) for t in tokens[position])))
            position += 1
        db.executemany("INSERT INTO clauses VALUES (?, ?, ?)", rows)
    figures["fts5_insert_all_s"] = time.perf_counter() - started
    one = documents[len(documents) // 2]
    started = time.perf_counter()
    db.execute("DELETE FROM clauses WHERE doc = ?", (one.doc_id,))
    start = keys.index(one.clauses[0].key)
    db.executemany(
        "INSERT INTO clauses VALUES (?, ?, ?)",
        [(c.key, one.doc_id, " ".join(ascii_token(t) for t in tokens[start + i])) for i, c in enumerate(one.clauses)],
    )
    figures["fts5_replace_one_document_s"] = time.perf_counter() - started

    queries = [f"{d.short_title}{d.clauses[len(d.clauses) // 2].text[:20]}" for d in documents[:40]]
    same, bm25_ms, fts_ms = 0, [], []
    for query in queries:
        started = time.perf_counter()
        expected = [k for k, _ in bm25.top(query, 5)]
        bm25_ms.append((time.perf_counter() - started) * 1000)
        words = sorted({ascii_token(t) for t in LexicalIndex.tokenize([query])[0]})
        started = time.perf_counter()
        rows = db.execute(
            "SELECT key FROM clauses WHERE clauses MATCH ? ORDER BY bm25(clauses) LIMIT 5", (" OR ".join(words),)
        ).fetchall()
        fts_ms.append((time.perf_counter() - started) * 1000)
        same += [r[0] for r in rows] == expected
    figures["bm25s_query_ms_median"] = sorted(bm25_ms)[len(bm25_ms) // 2]
    figures["fts5_query_ms_median"] = sorted(fts_ms)[len(fts_ms) // 2]
    figures["top5_identical_share"] = same / len(queries)
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
