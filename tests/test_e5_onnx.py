"""The onnx runtime of multilingual-e5-small against the numpy runtime, and its cache of built graphs."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.embeddings import NumpyE5Embedder, OnnxE5Embedder
from assistant.service import PolicyAssistant
from assistant.settings import Settings
from tests.conftest import DIRECTIVE_CORPUS

LAW = Path(__file__).parent / "fixtures" / "retrieval" / "城市维护建设税法(2020-08-11).md"
SENTENCES = ["国家实行森林资源保护发展目标责任制。", "企业所得税的税率为百分之二十五。", "禁止在湿地内开采矿产资源。"]


@pytest.fixture(scope="module")
def graphs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache of built graphs for the module (building the int8 graph takes a few seconds)."""
    return tmp_path_factory.mktemp("graphs")


@pytest.fixture(scope="module")
def onnx_float32(graphs: Path) -> OnnxE5Embedder:
    return OnnxE5Embedder(graphs, "float32")


@pytest.fixture(scope="module")
def numpy_runtime() -> NumpyE5Embedder:
    return NumpyE5Embedder()


def texts() -> list[str]:
    """Paragraphs of the directive and of real laws, and a few odd strings."""
    directive = next(DIRECTIVE_CORPUS.glob("*.txt")).read_text(encoding="utf-8").split("\n")
    laws = [line for path in sorted(LAW.parent.glob("*.md")) for line in path.read_text("utf-8").splitlines()]
    odd = [
        "Hello  world,   mixed 中文 and English.",
        "ＡＢＣ　全角字符１２３ ①②③ ﬁ café",
        "表情😀与零宽\u200b字符",
        "短",
    ]
    return [p.strip() for p in directive if len(p.strip()) > 10][:40] + [t for t in laws if t.strip()][:60] + odd


def spans_of(sentences: list[str]) -> list[tuple[int, int]]:
    spans, start = [], 0
    for sentence in sentences:
        spans.append((start, start + len(sentence)))
        start += len(sentence)
    return spans


def test_float32_vectors_are_the_numpy_runtime_s(onnx_float32, numpy_runtime):
    ours, theirs = onnx_float32.embed_passages(texts()), numpy_runtime.embed_passages(texts())
    assert ours.shape == theirs.shape
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() > 0.9999
    question = "城市维护建设税的税率是多少？"
    assert float(onnx_float32.embed_query(question) @ numpy_runtime.embed_query(question)) > 0.9999
    long_text = "国家加强西部地区生态环境保护，推动绿色发展。" * 60  # two windows
    assert float(onnx_float32.embed_passages([long_text])[0] @ numpy_runtime.embed_passages([long_text])[0]) > 0.9999
    # Same vectors, so the same cache and index.
    assert onnx_float32.model_id == numpy_runtime.model_id


def test_float32_span_vectors_are_the_numpy_runtime_s(onnx_float32, numpy_runtime):
    text = "".join(SENTENCES)
    law = LAW.read_text("utf-8").split("\n\n")[4:8]
    batch = [text, *law]
    spans = [spans_of(SENTENCES), *[[(0, len(p) // 2), (len(p) // 2, len(p))] for p in law]]
    ours, our_spans = onnx_float32.embed_passages_with_spans(batch, spans)
    theirs, their_spans = numpy_runtime.embed_passages_with_spans(batch, spans)
    assert (ours * theirs).sum(axis=1).min() > 0.9999
    for mine, other in zip(our_spans, their_spans):
        assert mine.shape == other.shape
        assert (mine * other).sum(axis=1).min() > 0.9999


def test_worker_threads_keep_the_order_of_the_texts(graphs):
    one, two = OnnxE5Embedder(graphs, "float32", threads=1), OnnxE5Embedder(graphs, "float32", threads=2)
    assert np.allclose(one.embed_passages(texts()), two.embed_passages(texts()), atol=1e-5)


def test_int8_vectors_stay_close_and_have_their_own_model_id(graphs, numpy_runtime):
    int8 = OnnxE5Embedder(graphs, "int8")
    ours, theirs = int8.embed_passages(texts()), numpy_runtime.embed_passages(texts())
    assert (ours * theirs).sum(axis=1).min() > 0.995
    # Activations are quantised per call, so a text's vector depends a little on its batch; within the tolerance.
    alone = int8.embed_passages(texts()[:1])[0]
    assert float(alone @ theirs[0]) > 0.995
    _, pooled = int8.embed_passages_with_spans(["".join(SENTENCES)], [spans_of(SENTENCES)])
    _, reference = numpy_runtime.embed_passages_with_spans(["".join(SENTENCES)], [spans_of(SENTENCES)])
    assert (pooled[0] * reference[0]).sum(axis=1).min() > 0.995
    assert int8.model_id != numpy_runtime.model_id


@pytest.mark.parametrize("damage", ["truncated", "overwritten", "checksum missing"])
def test_a_damaged_graph_cache_is_rebuilt(tmp_path, graphs, onnx_float32, caplog, damage):
    cache = tmp_path / "models"
    shutil.copytree(graphs, cache)
    (graph,) = cache.glob("*-float32.onnx")
    intact = graph.read_bytes()
    if damage == "truncated":
        graph.write_bytes(intact[: len(intact) // 3])
    elif damage == "overwritten":
        graph.write_bytes(intact[:1000] + bytes(1000) + intact[2000:])
    else:
        graph.with_suffix(".sha256").unlink()
    with caplog.at_level(logging.WARNING, logger="assistant.e5.onnx_encoder"):
        rebuilt = OnnxE5Embedder(cache, "float32")
        vectors = rebuilt.embed_passages(SENTENCES)  # the graph loads in a thread until first use
    assert any(str(graph) in record.getMessage() for record in caplog.records)
    assert graph.read_bytes() == intact
    assert np.allclose(vectors, onnx_float32.embed_passages(SENTENCES), atol=1e-6)


def test_an_unwritable_cache_still_embeds(tmp_path, onnx_float32, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with caplog.at_level(logging.WARNING, logger="assistant.e5.onnx_encoder"):
        embedder = OnnxE5Embedder(blocker / "models", "float32")
        vectors = embedder.embed_passages(SENTENCES)  # the graph loads in a thread until first use
    assert "not written" in caplog.text
    assert np.allclose(vectors, onnx_float32.embed_passages(SENTENCES), atol=1e-6)


def test_the_onnx_runtime_indexes_and_searches_from_a_fresh_data_dir(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(LAW, corpus / LAW.name)
    monkeypatch.setenv("POLICY_ASSISTANT_EMBEDDING__RUNTIME", "onnx")
    settings = Settings(data_dir=tmp_path / "fresh", corpus_dir=corpus)
    assert settings.embedding.pooled_sentences
    assistant = PolicyAssistant(settings)
    assistant.ensure_index()
    assert isinstance(assistant.embedder, OnnxE5Embedder)
    assert list((tmp_path / "fresh" / "models").glob("*-float32.onnx"))
    hits = assistant.search("纳税人所在地在县城的城市维护建设税税率是多少？").hits
    assert hits and hits[0].clause == "第四条"


def test_the_repacked_4bit_weights_are_the_model_file_s():
    from assistant.e5.model_file import read_model_file
    from assistant.e5.onnx_graph import check_repack
    from assistant.embeddings import bundled_model_path

    model = read_model_file(bundled_model_path())
    for name, rows in [("l0.q.w", model.hidden), ("l5.fi.w", model.ffn), ("l11.fo.w", model.hidden)]:
        assert check_repack(model, name, rows) == 0.0
