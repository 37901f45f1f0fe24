"""Speed figures: indexing throughput, cold CLI search wall time, warm hybrid query latency.

Usage: .venv/bin/python evals/bench_speed.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.evals.datasets import load_items
from assistant.evals.metrics import percentile
from assistant.service import PolicyAssistant
from assistant.settings import Settings

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def main() -> None:
    questions = [i.question for i in load_items(HERE / "datasets" / "dev.jsonl")]
    with tempfile.TemporaryDirectory() as tmp:
        assistant = PolicyAssistant(Settings(data_dir=Path(tmp) / "data"))
        started = time.perf_counter()
        report = assistant.sync()
        seconds = time.perf_counter() - started
        print(
            f"indexing: {report.clauses} clauses, {report.embedded_texts} texts embedded in {seconds:.1f} s "
            f"= {report.clauses / seconds:.1f} clauses/s ({report.embedded_texts / seconds:.1f} texts/s), "
            f"{os.cpu_count()} cores"
        )
        env = {**os.environ, "POLICY_ASSISTANT_DATA_DIR": str(Path(tmp) / "data")}
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "policy-assistant"), "search", questions[0], "--json"], env=env, check=True, capture_output=True
        )
        print(f"cold `policy-assistant search` (index built, new process): {time.perf_counter() - started:.2f} s")

        searcher = assistant.searcher
        for question in questions[:5]:
            searcher.rank(question, 5)  # warm-up
        totals, embeds = [], []
        for _ in range(3):
            for question in questions:
                timings = searcher.retrieve(question, 5).timings
                totals.append(timings.total_ms)
                embeds.append(timings.embed_ms)
        print(
            f"warm hybrid query over {len(totals)} queries: p50 {percentile(totals, 50):.1f} ms, "
            f"p95 {percentile(totals, 95):.1f} ms (query embedding p50 {percentile(embeds, 50):.1f} ms)"
        )


if __name__ == "__main__":
    main()
