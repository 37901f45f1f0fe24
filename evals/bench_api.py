"""HTTP API figures: cold start of `serve` until the first answer, warm /v1/ask latency with 1 and 20 clients.

Usage: .venv/bin/python evals/bench_api.py [--per-client N]   (uses a temporary data dir and a fresh API key)
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from assistant.evals.datasets import load_items
from assistant.evals.metrics import percentile

HERE = Path(__file__).resolve().parent
COMMAND = Path(sys.executable).parent / "policy-assistant"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def timed_asks(base: str, key: str, questions: list[str]) -> tuple[list[float], int]:
    latencies, errors = [], 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120) as client:
        for question in questions:
            started = time.perf_counter()
            response = client.post("/ask", json={"question": question})
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-client", type=int, default=15, help="questions each client asks")
    args = parser.parse_args()
    questions = [i.question for i in load_items(HERE / "datasets" / "dev.jsonl")]
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICY_ASSISTANT_", "CHROMA_"))}
        env["POLICY_ASSISTANT_DATA_DIR"] = str(Path(tmp) / "data")
        # Requests from the benchmark must not be rate limited.
        env["POLICY_ASSISTANT_API__REQUESTS_PER_MINUTE"] = "1000000"
        env["POLICY_ASSISTANT_API__BURST"] = "1000000"
        subprocess.run([str(COMMAND), "index"], env=env, check=True, capture_output=True)
        added = subprocess.run(
            [str(COMMAND), "apikey", "add", "bench", "--role", "admin"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        key = added.stdout.strip().splitlines()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}/v1"
        started = time.perf_counter()
        server = subprocess.Popen([str(COMMAND), "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    first = httpx.post(
                        f"{base}/ask",
                        json={"question": questions[0]},
                        headers={"Authorization": f"Bearer {key}"},
                        timeout=120,
                    )
                    if first.status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            print(f"cold start of serve until the first answer: {time.perf_counter() - started:.1f} s")
            for clients in (1, 20):
                batches = [
                    [questions[(c * 7 + i) % len(questions)] for i in range(args.per_client)] for c in range(clients)
                ]
                wall = time.perf_counter()
                with ThreadPoolExecutor(clients) as pool:
                    results = list(pool.map(lambda batch: timed_asks(base, key, batch), batches))
                seconds = time.perf_counter() - wall
                latencies = [ms for lat, _ in results for ms in lat]
                errors = sum(e for _, e in results)
                print(
                    f"{clients:>2} clients: {len(latencies)} asks, p50 {percentile(latencies, 50):.0f} ms, "
                    f"p95 {percentile(latencies, 95):.0f} ms, {len(latencies) / seconds:.1f} asks/s, errors {errors}"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
