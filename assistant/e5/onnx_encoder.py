"""multilingual-e5-small on onnxruntime: the numpy encoder's tokenizer, batching and pooling, with the
transformer layers run by an ONNX graph built from the same model file (assistant/e5/onnx_graph.py).

The graph is built at first use and cached in a folder under the data directory, named for the model file's
hash, the graph version and the precision, with a checksum beside it. A cache that is missing, damaged or
unwritable costs a rebuild (a few seconds), never a failure.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Literal

import numpy as np

from assistant.atomic import write_bytes_atomic
from assistant.e5.encoder import E5Encoder, Layer
from assistant.e5.model_file import ModelFile, read_model_file
from assistant.e5.onnx_graph import GRAPH_VERSION, build_graph, quantize_int8

log = logging.getLogger(__name__)
Precision = Literal["float32", "int8"]


def _sha256(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def graph_bytes(source: Path | ModelFile, cache_dir: Path | None, precision: Precision) -> bytes:
    """The serialised graph: from the cache when its checksum holds, else built (and cached when possible).

    `source`: the model file, or the model already read from it."""
    model = read_model_file(source) if isinstance(source, Path) else source
    key = f"e5-{_sha256(model.data.data)[:16]}-g{GRAPH_VERSION}-{precision}"
    path = cache_dir / f"{key}.onnx" if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            data = path.read_bytes()
            expected = path.with_suffix(".sha256").read_text("ascii").strip()
        except OSError as exc:
            log.warning("onnx graph cache unreadable path=%s error=%s; rebuilding", path, exc)
        else:
            if _sha256(data) == expected:
                return data
            log.warning("onnx graph cache damaged path=%s bytes=%d; rebuilding", path, len(data))
    if precision == "int8":
        data = quantize_int8(build_graph(model, "float32"), model.layers)
    else:
        # The 4-bit weights unchanged (MatMulNBits), multiplied in float32: the numpy runtime's figures. Its int8
        # activations (accuracy_level 4) were slower here, not faster (2,290 vs 2,597 tokens per CPU-second).
        data = build_graph(model, "q4", accuracy_level=0)
    if path is not None:
        try:
            write_bytes_atomic(path, data)
            write_bytes_atomic(path.with_suffix(".sha256"), _sha256(data).encode("ascii"))
        except OSError as exc:  # a read-only data directory: keep the graph in memory
            log.warning("onnx graph cache not written path=%s error=%s", path, exc)
    return data


class OnnxE5Encoder(E5Encoder):
    """E5Encoder whose forward pass runs on onnxruntime; one session, safe to call from several threads."""

    def __init__(
        self,
        model_path: Path,
        cache_dir: Path | None,
        precision: Precision = "float32",
        session_threads: int = 1,
        batch_tokens: int = 2048,
    ) -> None:
        import onnxruntime as ort

        # Smaller batches than numpy's: onnxruntime's kernels need no large GEMMs to run at speed, and each
        # concurrent call holds its batch's activations (8192 tokens: 1.4 GB peak with two workers; 2048: 0.6 GB).
        super().__init__(model_path, batch_tokens=batch_tokens)
        options = ort.SessionOptions()
        # One core per call by default: callers run one call per core, as the numpy runtime does.
        options.intra_op_num_threads = session_threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # shared machines
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: the CLI's stderr is for the user
        self._session = ort.InferenceSession(
            graph_bytes(self._model, cache_dir, precision), options, providers=["CPUExecutionProvider"]
        )

    def _load_layers(self) -> list[Layer]:
        return []  # the weights live in the onnx graph

    def _forward(self, contents: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        ids, lengths, mask = self._pad(contents)
        embedded = self._embed(ids).reshape(*ids.shape, self.dim)
        (hidden,) = self._session.run(["hidden"], {"embedded": embedded, "mask": mask.astype(np.int32)})
        return hidden, lengths
