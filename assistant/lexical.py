"""BM25 over clauses: jieba search-mode words plus character bigrams, persisted beside Chroma.

Postings (term → clauses and term frequencies) are kept in numpy arrays, so an update re-tokenises only the
clauses that changed and merges them in without re-sorting the rest; scores are BM25 as bm25s computes it
(Lucene variant: idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf / (tf + k1 (1 - b + b dl / avgdl))).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from assistant.chinese import BIGRAM_MARK, search_tokens, segment

log = logging.getLogger(__name__)

_KEYS_FILE = "keys.json"
_ARRAYS_FILE = "postings.npz"
# The postings themselves (tens of MB for a large library), memory-mapped: a query reads the pages of its terms.
_MAPPED = ("positions", "frequencies")
_MASKS_KEPT = 4  # clause filters whose masks are kept (the library's and a few named documents')
_ABANDONED_AFTER = 3600  # seconds; a staging folder this old belongs to a save that was killed
K1, B = 1.2, 0.75


def _remove_abandoned_staging(folder: Path) -> None:
    """Staging folders left by a save that was killed (a live save finishes in seconds)."""
    now = time.time()
    for staging in folder.glob(".lexical-*"):
        try:
            if now - staging.stat().st_mtime > _ABANDONED_AFTER:
                shutil.rmtree(staging, ignore_errors=True)
        except OSError:
            continue


COMMON_SHARE = 0.6  # a word in more than this share of clauses says nothing about a question's topic
MIN_CLAUSES_FOR_COMMON = 20  # too few clauses for word frequencies to mean anything


class _PairBatches:
    """(term, clause) pairs with their counts, reduced a batch of clauses at a time; merged sorted by term.

    Each pair is packed with its count into one 64-bit key (term: 24 bits, clause: 24 bits, count: 16 bits), so the
    merge sorts one array in place instead of sorting an index and copying pairs and counts through it.
    """

    _BATCH_TOKENS = 1 << 20
    _FIELD = 24  # bits of a term id and of a clause position: 16.7 million each
    _COUNT = 16  # bits of a count; a word repeated more often in one clause counts 65,535 times (BM25 saturates)

    def __init__(self) -> None:
        self._ids: list[np.ndarray] = []
        self._positions: list[int] = []
        self._sizes: list[int] = []
        self._pending = 0
        self._packed: list[np.ndarray] = []

    def add(self, term_ids: np.ndarray, position: int) -> None:
        self._ids.append(term_ids)
        self._positions.append(position)
        self._sizes.append(len(term_ids))
        self._pending += len(term_ids)
        if self._pending >= self._BATCH_TOKENS:
            self._reduce()

    def _reduce(self) -> None:
        if not self._ids:
            return
        term_ids = np.concatenate(self._ids).astype(np.uint64)
        if max(self._positions) >> self._FIELD or int(term_ids.max(initial=0)) >> self._FIELD:
            raise ValueError("lexical index: more than 16.7 million clauses or terms")
        clause_of = np.repeat(np.array(self._positions, dtype=np.uint64), self._sizes)
        pairs, counts = np.unique((term_ids << np.uint64(self._FIELD)) | clause_of, return_counts=True)
        del term_ids, clause_of
        pairs <<= np.uint64(self._COUNT)
        pairs |= np.minimum(counts, (1 << self._COUNT) - 1).astype(np.uint64)
        self._packed.append(pairs)
        self._ids, self._positions, self._sizes, self._pending = [], [], [], 0

    def merged(self) -> tuple[np.ndarray, np.ndarray]:
        """All pairs as term << 32 | clause, ascending, and each pair's count."""
        self._reduce()
        packed = np.concatenate(self._packed) if self._packed else np.zeros(0, np.uint64)
        self._packed = []
        packed.sort()  # in place; pairs are unique, so the counts in the low bits never decide the order
        counts = (packed & np.uint64((1 << self._COUNT) - 1)).astype(np.float32)
        packed >>= np.uint64(self._COUNT)
        clauses = packed & np.uint64((1 << self._FIELD) - 1)
        packed >>= np.uint64(self._FIELD)
        packed <<= np.uint64(32)
        packed |= clauses
        del clauses
        return packed.view(np.int64), counts


class LexicalIndex:
    """Clauses in `keys` order; `digests[i]` identifies the text clause i was tokenised from (0: unknown)."""

    def __init__(
        self,
        keys: list[str],
        terms: list[str],
        indptr: np.ndarray,
        positions: np.ndarray,
        frequencies: np.ndarray,
        lengths: np.ndarray,
        digests: np.ndarray,
        fingerprint: str,
    ):
        self.keys = keys
        self.fingerprint = fingerprint
        self._terms = terms  # term id → term; ids of terms no clause has any more stay (df 0)
        self._vocab = {t: i for i, t in enumerate(terms)}
        self._indptr = indptr  # postings of term t: positions[indptr[t]:indptr[t+1]], sorted by clause
        self._positions = positions
        self._frequencies = frequencies
        self._lengths = lengths
        self._digests = digests
        self._position = {key: i for i, key in enumerate(keys)}
        self._df = np.diff(indptr)
        n = len(keys)
        average = float(lengths.mean()) if n else 1.0
        self._norm = (K1 * ((1 - B) + B * lengths / max(average, 1e-9))).astype(np.float32)
        self._idf = np.log1p((n - self._df + 0.5) / (self._df + 0.5)).astype(np.float32)
        self._masks: tuple[tuple[set[str], np.ndarray], ...] = ()
        self.mapped = False  # loaded with its postings memory-mapped (saved as files of their own)
        self.common_words: frozenset[str] = frozenset()
        if n >= MIN_CLAUSES_FOR_COMMON:
            common = np.nonzero(self._df / n > COMMON_SHARE)[0]
            self.common_words = frozenset(terms[t] for t in common if not terms[t].startswith(BIGRAM_MARK))

    @staticmethod
    def tokenize(texts: list[str]) -> list[list[str]]:
        """The BM25 tokens of each text; the index keeps them per document so an update re-tokenises only it."""
        return [search_tokens(t) or [""] for t in texts]

    @classmethod
    def build(cls, keys: list[str], texts: list[str], fingerprint: str) -> LexicalIndex:
        return cls.build_from_tokens(keys, cls.tokenize(texts), fingerprint)

    @classmethod
    def build_from_tokens(
        cls, keys: list[str], tokens: list[list[str]], fingerprint: str, digests: np.ndarray | None = None
    ) -> LexicalIndex:
        marks = np.zeros(len(keys), np.uint64) if digests is None else digests
        return cls.empty().update(list(keys), dict(zip(keys, tokens)), marks, fingerprint)

    @classmethod
    def empty(cls) -> LexicalIndex:
        floats = np.zeros(0, np.float32)
        return cls([], [], np.zeros(1, np.int64), np.zeros(0, np.int32), floats, floats, np.zeros(0, np.uint64), "")

    def digest(self, key: str) -> int:
        """The text digest clause `key` was indexed with; 0 when absent or unknown."""
        position = self._position.get(key)
        return 0 if position is None else int(self._digests[position])

    def update(
        self,
        keys: list[str],
        tokens: Mapping[str, list[str]] | Iterable[tuple[str, list[str]]],
        digests: np.ndarray,
        fingerprint: str,
    ) -> LexicalIndex:
        """A new index over `keys` (in that order): clauses in `tokens` are (re)indexed, the others kept.

        `tokens` may be a stream of (key, words): each clause's words become term ids as they arrive, so a
        library's ten million words are never all held as strings (1.1 GB for 65,000 clauses).
        Kept clauses keep their postings; new ones are merged in by position, so no global sort is needed
        unless kept clauses changed their relative order.
        """
        n = len(keys)
        terms = list(self._terms)
        vocab = dict(self._vocab)
        position_of = {key: i for i, key in enumerate(keys)}
        fresh = np.zeros(n, dtype=bool)
        lengths = np.zeros(n, dtype=np.float32)
        # Each batch of clauses becomes its unique (term, clause) pairs with counts at once: a library's words
        # as one array, sorted with copies, would cost several times what the postings finally take.
        pairs = _PairBatches()
        for key, words in tokens.items() if isinstance(tokens, Mapping) else tokens:
            position = position_of.get(key)
            if position is None or fresh[position]:
                continue
            ids = np.empty(len(words), dtype=np.int64)
            for j, word in enumerate(words):
                term = vocab.get(word)
                if term is None:
                    term = vocab[word] = len(terms)
                    terms.append(word)
                ids[j] = term
            fresh[position] = True
            lengths[position] = len(words)
            pairs.add(ids, position)
        combined_new, new_freqs = pairs.merged()
        new_at = np.flatnonzero(fresh)
        kept_at = np.flatnonzero(~fresh)
        old_of_kept = np.array([self._position[keys[i]] for i in kept_at], dtype=np.int64)
        remap = np.full(len(self.keys), -1, dtype=np.int64)
        remap[old_of_kept] = kept_at
        term_of = np.repeat(np.arange(len(self._terms), dtype=np.int64), self._df)
        moved = remap[self._positions] if len(self._positions) else np.zeros(0, np.int64)
        keep = moved >= 0
        old_terms, old_positions, old_freqs = term_of[keep], moved[keep], self._frequencies[keep]
        del term_of, moved, keep
        lengths[kept_at] = self._lengths[old_of_kept]
        combined_old = (old_terms << 32) | old_positions
        if len(combined_old) > 1 and not np.all(np.diff(combined_old) > 0):  # kept clauses were reordered
            resort = np.argsort(combined_old, kind="stable")
            combined_old, old_freqs = combined_old[resort], old_freqs[resort]
        if len(combined_old):
            at = np.searchsorted(combined_old, combined_new)
            combined = np.insert(combined_old, at, combined_new)
            frequencies = np.insert(old_freqs, at, new_freqs).astype(np.float32)
            del at
        else:  # a new index: nothing to merge into
            combined, frequencies = combined_new, new_freqs
        counts = np.bincount(combined >> 32, minlength=len(terms)) if len(combined) else np.zeros(len(terms), np.int64)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        del combined_old, combined_new, old_freqs, new_freqs
        marks = np.zeros(n, dtype=np.uint64)
        marks[kept_at] = self._digests[old_of_kept]
        marks[new_at] = digests[new_at]
        positions = (combined & 0xFFFFFFFF).astype(np.int32)
        return LexicalIndex(list(keys), terms, indptr, positions, frequencies, lengths, marks, fingerprint)

    def topical(self, query: str) -> str:
        """The query without words found in most clauses (西部, 地区, 建设…), which dilute a dense embedding."""
        if not self.common_words:
            return query
        kept = "".join(w for w in segment(query) if w not in self.common_words)
        return kept if len(kept.strip()) >= 2 else query

    def scores(self, query: str, allowed: set[str] | None = None) -> np.ndarray:
        """BM25 score of every clause (0 where the clause is filtered out)."""
        scores = np.zeros(len(self.keys), dtype=np.float32)
        for token in search_tokens(query):  # a repeated query word counts each time, as in bm25s
            term = self._vocab.get(token)
            if term is None or not self._df[term]:
                continue
            start, end = self._indptr[term], self._indptr[term + 1]
            where = self._positions[start:end]
            frequency = self._frequencies[start:end]
            scores[where] += self._idf[term] * frequency / (self._norm[where] + frequency)
        if allowed is not None:
            scores *= self._mask(allowed)
        return scores

    def _mask(self, allowed: set[str]) -> np.ndarray:
        # The retriever passes the same set for every question with the same filter: build its mask once. A
        # question naming a document uses two (the library and the document); keep the last few, swapped whole
        # as one tuple so that concurrent questions never mix two filters.
        kept = self._masks
        for known, mask in kept:
            if known is allowed:
                return mask
        if len(allowed) < len(self.keys) // 8:
            mask = np.zeros(len(self.keys), dtype=np.float32)
            mask[[i for i in map(self._position.get, allowed) if i is not None]] = 1.0
        else:
            mask = np.array([k in allowed for k in self.keys], dtype=np.float32)
        self._masks = ((allowed, mask), *kept[: _MASKS_KEPT - 1])
        return mask

    def top(self, query: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        scores = self.scores(query, allowed)
        if 0 < n < len(scores):
            # The n best in stable order without sorting every clause: all at or above the n-th best score.
            nth = np.partition(scores, len(scores) - n)[len(scores) - n]
            candidates = np.flatnonzero(scores >= nth if nth > 0 else scores > 0)  # only positive scores are kept
            order = candidates[np.argsort(-scores[candidates], kind="stable")][:n]
        else:
            order = np.argsort(-scores, kind="stable")[:n]
        return [(self.keys[i], float(scores[i])) for i in order if scores[i] > 0]

    def save(self, directory: Path) -> None:
        """Write to a temporary folder, then swap it in, so a crash never leaves half an index."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".lexical-", dir=directory.parent))
        try:
            np.savez(staging / _ARRAYS_FILE, indptr=self._indptr, lengths=self._lengths, digests=self._digests)
            np.save(staging / "positions.npy", self._positions)
            np.save(staging / "frequencies.npy", self._frequencies)
            (staging / _KEYS_FILE).write_text(
                json.dumps(
                    {"fingerprint": self.fingerprint, "keys": self.keys, "terms": self._terms}, ensure_ascii=False
                ),
                "utf-8",
            )
        except OSError:  # a full disk: leave no half-written staging folder behind
            shutil.rmtree(staging, ignore_errors=True)
            raise
        retired = directory.with_name(directory.name + ".old")
        if retired.exists():
            shutil.rmtree(retired)
        if directory.exists():
            os.replace(directory, retired)
        os.replace(staging, directory)
        shutil.rmtree(retired, ignore_errors=True)
        _remove_abandoned_staging(directory.parent)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex | None:
        """The saved index, or None when it is missing or unreadable (the caller rebuilds it)."""
        try:
            meta = json.loads((directory / _KEYS_FILE).read_text("utf-8"))
            with np.load(directory / _ARRAYS_FILE) as arrays:
                indptr, lengths, digests = arrays["indptr"], arrays["lengths"], arrays["digests"]
                mapped = "positions" not in arrays.files  # else saved before the postings were files of their own
                if not mapped:
                    positions, frequencies = arrays["positions"], arrays["frequencies"]
                else:
                    positions, frequencies = (np.load(directory / f"{name}.npy", mmap_mode="r") for name in _MAPPED)
            terms, keys = list(meta["terms"]), list(meta["keys"])
            index = cls(keys, terms, indptr, positions, frequencies, lengths, digests, str(meta["fingerprint"]))
        except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile) as exc:
            log.info("lexical index not loaded from %s: %s", directory, exc)
            return None
        index.mapped = mapped
        postings = int(indptr[-1]) if len(indptr) else 0
        if (
            len(index._indptr) != len(index._terms) + 1
            or len(index._lengths) != len(index.keys)
            or len(positions) != postings
            or len(frequencies) != postings
        ):
            log.info("lexical index at %s is inconsistent; rebuilding it", directory)
            return None
        return index
