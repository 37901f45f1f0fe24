"""Sentence-level evidence: which sentences of the retrieved clauses answer the question, and how well."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

import numpy as np

from assistant.answer.wordlists import word_list
from assistant.chinese import char_bigrams
from assistant.index import PolicyIndex
from assistant.profile import EvidenceProfile
from assistant.retrieve import Retrieval
from assistant.types import Clause, Sentence


@cache
def _question_words() -> re.Pattern[str]:
    """Interrogatives and fillers (data/question_words.txt) that say what is asked, not what it is about."""
    ordered = sorted(word_list("question_words.txt"), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in ordered))


def question_core(question: str) -> str:
    return _question_words().sub(" ", question)


@dataclass
class ScoredSentence:
    clause: Clause
    sentence: Sentence
    clause_rank: int
    dense: float
    lexical: float
    score: float = 0.0

    @property
    def is_heading(self) -> bool:
        """A directive's bracketed clause opens with its title (（四）优化能源供需结构。); a law's 第X条 opens
        with the rule itself, which is quoted like any other sentence."""
        return self.clause.number is not None and self.sentence.index == 0 and not is_article(self.clause)


def is_article(clause: Clause) -> bool:
    """A 第X条 article of a law or regulation (its name starts with 第), not a directive's （X） clause."""
    return clause.clause.startswith("第")


class BigramIdf:
    """Inverse document frequency of character bigrams over all sentences of the index."""

    def __init__(self, index: PolicyIndex):
        counts: Counter[str] = Counter()
        total = 0
        for clause in index.clauses.values():
            for sentence in clause.sentences:
                counts.update(char_bigrams(sentence.text))
                total += 1
        self._idf = {g: math.log((total + 1) / (n + 0.5)) for g, n in counts.items()}
        self._default = math.log(total + 1) if total else 1.0

    def weight(self, gram: str) -> float:
        return self._idf.get(gram, self._default)


EvidenceWeights = EvidenceProfile


def score_sentences(
    retrieval: Retrieval, index: PolicyIndex, idf: BigramIdf, weights: EvidenceWeights | None = None
) -> list[ScoredSentence]:
    """Every sentence of the top retrieved clauses, scored by dense similarity, lexical overlap and clause rank."""
    w = weights or EvidenceWeights()
    ranked = retrieval.ranked[: w.top_clauses]
    if not ranked:
        return []
    keys = [r.clause.key for r in ranked]
    vectors = index.store.sentence_vectors(keys)
    query_vector = retrieval.vector
    grams = char_bigrams(question_core(retrieval.focus))
    gram_weight = sum(idf.weight(g) for g in grams) or 1.0
    scored: list[ScoredSentence] = []
    for rank, entry in enumerate(ranked, start=1):
        clause = entry.clause
        for sentence in clause.sentences:
            vector = vectors.get(f"{clause.key}:s{sentence.index}")
            dense = float(np.dot(vector, query_vector)) if vector is not None and query_vector is not None else 0.0
            overlap = sum(idf.weight(g) for g in grams & char_bigrams(sentence.text)) / gram_weight
            item = ScoredSentence(clause, sentence, rank, dense, overlap)
            # e5 cosines sit in a narrow band (≈0.75–0.92); centre them so the terms are comparable.
            item.score = (
                w.dense * (dense - w.dense_centre) * w.dense_scale + w.lexical * overlap + w.clause_prior / rank
            )
            scored.append(item)
    scored.sort(key=lambda s: -s.score)
    return scored
