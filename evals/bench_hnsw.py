"""Chroma HNSW build settings: insert time and recall@10 against exact search, on real vectors from a cache.

Usage: nice .venv/bin/python evals/bench_hnsw.py <data dir>/index/vectors.sqlite3 [--vectors 20000]
Inserts the same vectors into a fresh embedded collection per setting (M, construction ef; search ef 400 as
shipped) and queries 200 of them, lightly perturbed, comparing the top 10 with exact cosine search.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaConfig

SETTINGS = ((32, 400), (16, 100))  # (M, construction ef): the earlier and the shipped default


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path)
    parser.add_argument("--vectors", type=int, default=20000)
    args = parser.parse_args()
    with sqlite3.connect(f"file:{args.cache}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT vector FROM vectors LIMIT ?", (args.vectors,)).fetchall()
    vectors = np.stack([np.frombuffer(row[0], dtype=np.float32) for row in rows])
    rng = np.random.default_rng(0)
    queries = vectors[rng.choice(len(vectors), 200, replace=False)]
    queries = queries + rng.normal(0, 0.02, queries.shape).astype(np.float32)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    figures: dict[str, object] = {"vectors": len(vectors)}
    for m, construction in SETTINGS:
        client = chromadb.PersistentClient(path=tempfile.mkdtemp(), settings=ChromaConfig(anonymized_telemetry=False))
        collection = client.create_collection(
            "bench-hnsw",
            embedding_function=None,
            metadata={"hnsw:space": "cosine", "hnsw:search_ef": 400, "hnsw:construction_ef": construction, "hnsw:M": m},
        )
        started, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(vectors), 1000):
            ids = [str(i) for i in range(start, min(start + 1000, len(vectors)))]
            collection.add(ids=ids, embeddings=vectors[start : start + 1000])
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        found = collection.query(query_embeddings=queries, n_results=10)["ids"]
        recall = float(np.mean([len({int(i) for i in got} & set(want)) / 10 for got, want in zip(found, exact)]))
        figures[f"M{m}_ef{construction}"] = {
            "insert_wall_s": round(wall, 1),
            "insert_cpu_s": round(cpu, 1),
            "recall@10": recall,
        }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
