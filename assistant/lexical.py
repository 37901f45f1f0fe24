"""BM25 over clauses: jieba search-mode words plus character bigrams, persisted beside Chroma."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import bm25s
import numpy as np

from assistant.chinese import BIGRAM_MARK, search_tokens, segment

log = logging.getLogger(__name__)

_KEYS_FILE = "keys.json"
_ABANDONED_AFTER = 3600  # seconds; a staging folder this old belongs to a save that was killed


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


class LexicalIndex:
    def __init__(self, keys: list[str], bm25: bm25s.BM25, fingerprint: str, common_words: frozenset[str] = frozenset()):
        self.keys = keys
        self.fingerprint = fingerprint
        self.common_words = common_words
        self._bm25 = bm25
        self._position = {key: i for i, key in enumerate(keys)}

    @staticmethod
    def tokenize(texts: list[str]) -> list[list[str]]:
        """The BM25 tokens of each text; the index keeps them per document so an update re-tokenises only it."""
        return [search_tokens(t) or [""] for t in texts]

    @classmethod
    def build(cls, keys: list[str], texts: list[str], fingerprint: str) -> LexicalIndex:
        return cls.build_from_tokens(keys, cls.tokenize(texts), fingerprint)

    @classmethod
    def build_from_tokens(cls, keys: list[str], tokens: list[list[str]], fingerprint: str) -> LexicalIndex:
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(tokens or [[""]], show_progress=False)  # bm25s refuses an empty corpus; scores() checks keys
        common: frozenset[str] = frozenset()
        if len(tokens) >= MIN_CLAUSES_FOR_COMMON:
            counts = Counter(w for clause in tokens for w in set(clause) if not w.startswith(BIGRAM_MARK))
            common = frozenset(w for w, n in counts.items() if n / len(tokens) > COMMON_SHARE)
        return cls(list(keys), bm25, fingerprint, common)

    def topical(self, query: str) -> str:
        """The query without words found in most clauses (西部, 地区, 建设…), which dilute a dense embedding."""
        if not self.common_words:
            return query
        kept = "".join(w for w in segment(query) if w not in self.common_words)
        return kept if len(kept.strip()) >= 2 else query

    def scores(self, query: str, allowed: set[str] | None = None) -> np.ndarray:
        """BM25 score of every clause (0 where the clause is filtered out)."""
        tokens = [t for t in search_tokens(query) if t in self._bm25.vocab_dict]
        if not tokens or not self.keys:
            return np.zeros(len(self.keys), dtype=np.float32)
        mask = None
        if allowed is not None:
            mask = np.array([k in allowed for k in self.keys], dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens, weight_mask=mask), dtype=np.float32)

    def top(self, query: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        scores = self.scores(query, allowed)
        order = np.argsort(-scores, kind="stable")[:n]
        return [(self.keys[i], float(scores[i])) for i in order if scores[i] > 0]

    def save(self, directory: Path) -> None:
        """Write to a temporary folder, then swap it in, so a crash never leaves half an index."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".lexical-", dir=directory.parent))
        try:
            self._bm25.save(str(staging))
            (staging / _KEYS_FILE).write_text(
                json.dumps(
                    {"fingerprint": self.fingerprint, "keys": self.keys, "common_words": sorted(self.common_words)},
                    ensure_ascii=False,
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
            bm25 = bm25s.BM25.load(str(directory))
        except (OSError, ValueError, KeyError) as exc:
            log.info("lexical index not loaded from %s: %s", directory, exc)
            return None
        return cls(meta["keys"], bm25, meta["fingerprint"], frozenset(meta.get("common_words", [])))
