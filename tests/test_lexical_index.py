"""The lexical index: BM25 as bm25s scores it, updated in place of a rebuild, and never loaded half-written."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest

from assistant.chinese import search_tokens
from assistant.ingest import load_corpus
from assistant.lexical import LexicalIndex
from tests.conftest import RETRIEVAL_FIXTURES

QUERIES = ["防汛工作的方针是什么", "行政首长负责制", "土地承包经营权", "人民法院审理案件", "罚款", "不存在的词语组合"]


@pytest.fixture(scope="module")
def clauses() -> tuple[list[str], list[list[str]]]:
    documents = load_corpus(RETRIEVAL_FIXTURES).documents
    keys = [c.key for d in documents for c in d.clauses]
    return keys, LexicalIndex.tokenize([c.text for d in documents for c in d.clauses])


def test_scores_are_those_of_bm25s(clauses):
    keys, tokens = clauses
    ours = LexicalIndex.build_from_tokens(keys, tokens, "x")
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index(tokens, show_progress=False)
    for query in QUERIES:
        known = [t for t in search_tokens(query) if t in reference.vocab_dict]
        expected = np.asarray(reference.get_scores(known)) if known else np.zeros(len(keys))
        assert np.allclose(ours.scores(query), expected, rtol=1e-4, atol=1e-5), query
        order = [keys[i] for i in np.argsort(-expected, kind="stable")[:5] if expected[i] > 0]
        assert [k for k, _ in ours.top(query, 5)] == order, query


def test_scores_stay_those_of_bm25s_when_a_large_build_is_reduced_in_batches(clauses, monkeypatch):
    # A library's build reduces its words to (term, clause) counts a batch at a time; batches of a few hundred
    # words here make the fixture span many, whose terms interleave and must be merged back in order.
    keys, tokens = clauses
    monkeypatch.setattr("assistant.lexical._PairBatches._BATCH_TOKENS", 300)
    ours = LexicalIndex.build_from_tokens(keys, tokens, "x")
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index(tokens, show_progress=False)
    assert sum(map(len, tokens)) > 20 * 300
    for query in QUERIES:
        known = [t for t in search_tokens(query) if t in reference.vocab_dict]
        expected = np.asarray(reference.get_scores(known)) if known else np.zeros(len(keys))
        assert np.allclose(ours.scores(query), expected, rtol=1e-4, atol=1e-5), query


def test_filters_in_turn_keep_their_own_clauses(clauses):
    # A question naming a document searches the library, then the document: two filters in turn, each with
    # the ranking a full sort of its own clauses gives.
    keys, tokens = clauses
    index = LexicalIndex.build_from_tokens(keys, tokens, "x")
    first_doc = keys[0].split("#")[0]
    one_document = {k for k in keys if k.startswith(first_doc + "#")}
    few = set(keys[3 : 3 + len(keys) // 10])  # built from positions, not a pass over every key
    most = set(keys[: len(keys) * 3 // 4])
    for _ in range(2):
        for allowed in (one_document, few, most, None):
            for query in QUERIES:
                full = index.scores(query)
                expected = [
                    keys[i]
                    for i in np.argsort(-full, kind="stable")
                    if full[i] > 0 and (allowed is None or keys[i] in allowed)
                ][:7]
                assert [k for k, _ in index.top(query, 7, allowed)] == expected, (query, len(allowed or ()))


def test_an_update_scores_like_a_full_build(clauses):
    keys, tokens = clauses
    by_key = dict(zip(keys, tokens))
    before = LexicalIndex.build_from_tokens(keys, tokens, "before", np.arange(1, len(keys) + 1, dtype=np.uint64))
    first_doc = keys[0].split("#")[0]
    # One document removed, three clauses rewritten, two new clauses in front.
    kept = [k for k in keys if not k.startswith(first_doc + "#")]
    rewritten = {k: ["防汛", "沙袋", "新增条款"] for k in kept[10:13]}
    added = {"new#一": ["防汛", "冲锋舟"], "new#二": search_tokens("行政首长负责制")}
    after_keys = [*added, *kept]
    digests = np.arange(1, len(after_keys) + 1, dtype=np.uint64)
    updated = before.update(after_keys, {**rewritten, **added}, digests, "after")

    final = [{**by_key, **rewritten, **added}[k] for k in after_keys]
    full = LexicalIndex.build_from_tokens(after_keys, final, "full")
    assert updated.keys == after_keys
    assert updated.common_words == full.common_words
    for query in [*QUERIES, "冲锋舟", "新增条款"]:
        assert np.allclose(updated.scores(query), full.scores(query)), query
        assert [k for k, _ in updated.top(query, 5)] == [k for k, _ in full.top(query, 5)], query
    assert updated.digest("new#一") == 1 and updated.digest(first_doc + "#第一条") == 0


def test_a_saved_index_loads_and_a_damaged_one_does_not(clauses, tmp_path: Path):
    keys, tokens = clauses
    index = LexicalIndex.build_from_tokens(keys, tokens, "saved")
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded is not None and loaded.fingerprint == "saved"
    assert loaded.top("行政首长负责制", 5) == index.top("行政首长负责制", 5)

    postings = tmp_path / "lexical" / "postings.npz"
    postings.write_bytes(postings.read_bytes()[:100])
    assert LexicalIndex.load(tmp_path / "lexical") is None


def test_a_stream_of_clauses_indexes_like_a_mapping(clauses):
    # The index reads a library's tokens a few documents at a time; the result must not depend on it.
    keys, tokens = clauses
    empty = LexicalIndex.empty()
    digests = np.arange(1, len(keys) + 1, dtype=np.uint64)
    from_mapping = empty.update(keys, dict(zip(keys, tokens)), digests, "x")
    from_stream = empty.update(keys, ((k, t) for k, t in zip(keys, tokens)), digests, "x")
    half = LexicalIndex.build_from_tokens(keys[::2], tokens[::2], "half")
    topped_up = half.update(keys, ((k, t) for k, t in zip(keys[1::2], tokens[1::2])), digests, "x")
    for query in QUERIES:
        expected = from_mapping.scores(query)
        assert np.allclose(from_stream.scores(query), expected, atol=1e-6), query
        assert np.allclose(topped_up.scores(query), expected, atol=1e-6), query


def test_postings_are_memory_mapped_and_damaged_ones_are_not_loaded(clauses, tmp_path: Path):
    keys, tokens = clauses
    index = LexicalIndex.build_from_tokens(keys, tokens, "saved")
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded is not None and loaded.mapped
    assert loaded.top("防汛物资", 5) == index.top("防汛物资", 5)
    positions = tmp_path / "lexical" / "positions.npy"
    positions.write_bytes(positions.read_bytes()[:-8])
    assert LexicalIndex.load(tmp_path / "lexical") is None


def test_postings_saved_inside_the_archive_still_load(clauses, tmp_path: Path):
    # The layout before the postings were files of their own: one .npz with every array.
    keys, tokens = clauses
    index = LexicalIndex.build_from_tokens(keys, tokens, "old layout")
    index.save(tmp_path / "lexical")
    folder = tmp_path / "lexical"
    with np.load(folder / "postings.npz") as arrays:
        kept = {name: arrays[name] for name in arrays.files}
    for name in ("positions", "frequencies"):
        kept[name] = np.load(folder / f"{name}.npy")
        (folder / f"{name}.npy").unlink()
    np.savez(folder / "postings.npz", **kept)
    loaded = LexicalIndex.load(folder)
    assert loaded is not None and not loaded.mapped
    assert loaded.top("行政首长负责制", 5) == index.top("行政首长负责制", 5)
