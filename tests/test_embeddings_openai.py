"""The OpenAI-compatible embedder sends its batches concurrently and keeps the order of the texts."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from assistant.embeddings import OpenAIEmbedder
from assistant.settings import EmbeddingSettings

DIM = 8


def fake_vector(text: str) -> list[float]:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
    return np.random.default_rng(seed).standard_normal(DIM).tolist()


class EmbeddingServer(ThreadingHTTPServer):
    """A stand-in for a GPU embedding server (TEI, vLLM): real wire protocol, slow enough to show concurrency."""

    def __init__(self, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay = delay
        self.in_flight = 0
        self.most_in_flight = 0
        self.requests = 0
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: EmbeddingServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.in_flight += 1
            self.server.requests += 1
            self.server.most_in_flight = max(self.server.most_in_flight, self.server.in_flight)
        time.sleep(self.server.delay)
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": fake_vector(t)} for i, t in enumerate(texts)]
        payload = json.dumps(
            {"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 0, "total_tokens": 0}}
        ).encode()
        with self.server.lock:
            self.server.in_flight -= 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def test_batches_go_out_concurrently_and_come_back_in_order():
    server = EmbeddingServer(delay=0.2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = EmbeddingSettings(
            provider="openai",
            base_url=f"http://127.0.0.1:{server.server_address[1]}/v1",
            model="bge-m3",
            batch_size=10,
            concurrency=4,
        )
        embedder = OpenAIEmbedder(settings)
        texts = [f"第{i}条 测试文本{i}" for i in range(80)]

        vectors = embedder.embed_passages(texts)

        assert vectors.shape == (80, DIM)
        expected = np.asarray([fake_vector(t) for t in texts], dtype=np.float32)
        expected /= np.linalg.norm(expected, axis=1, keepdims=True)
        assert np.allclose(vectors, expected, atol=1e-6)
        assert server.requests == 1 + 8  # the dimension probe, then 8 batches of 10
        assert server.most_in_flight > 1
    finally:
        server.shutdown()
        server.server_close()
