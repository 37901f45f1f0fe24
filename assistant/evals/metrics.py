"""Retrieval and answer metrics. Gold, hits and citations are doc_id#clause keys and match exactly:
every law has a 第十条, so a bare clause name must never match another document's clause."""

from __future__ import annotations

import math
from collections.abc import Sequence


def _is_gold(retrieved: str, gold: Sequence[str]) -> bool:
    return retrieved in gold


def recall_at_k(ranked: Sequence[str], gold: Sequence[str], k: int) -> float:
    """Share of gold clauses found in the top k."""
    if not gold:
        raise ValueError("recall needs at least one gold clause")
    top = ranked[:k]
    found = {g for g in gold if any(_is_gold(r, [g]) for r in top)}
    return len(found) / len(set(gold))


def hit_at_1(ranked: Sequence[str], gold: Sequence[str]) -> float:
    return 1.0 if ranked and _is_gold(ranked[0], gold) else 0.0


def reciprocal_rank(ranked: Sequence[str], gold: Sequence[str]) -> float:
    for position, retrieved in enumerate(ranked, start=1):
        if _is_gold(retrieved, gold):
            return 1.0 / position
    return 0.0


def ndcg_at_k(ranked: Sequence[str], gold: Sequence[str], k: int) -> float:
    """Binary-relevance nDCG; each gold clause counts once."""
    if not gold:
        raise ValueError("nDCG needs at least one gold clause")
    seen: set[str] = set()
    dcg = 0.0
    for position, retrieved in enumerate(ranked[:k], start=1):
        if _is_gold(retrieved, gold) and retrieved not in seen:
            seen.add(retrieved)
            dcg += 1.0 / math.log2(position + 1)
    ideal = sum(1.0 / math.log2(p + 1) for p in range(1, min(len(set(gold)), k) + 1))
    return dcg / ideal


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def key_fact_coverage(answer: str, key_facts: Sequence[str]) -> float:
    """Share of key facts that stand verbatim (after normalisation) in the answer."""
    from assistant.chinese import match_key

    if not key_facts:
        raise ValueError("coverage needs at least one key fact")
    text = match_key(answer)
    return sum(1 for fact in key_facts if match_key(fact) in text) / len(key_facts)


def gold_cited(cited: Sequence[str], gold: Sequence[str]) -> float:
    """Share of gold clauses that the answer cites."""
    if not gold:
        raise ValueError("needs at least one gold clause")
    return sum(1 for g in set(gold) if any(_is_gold(c, [g]) for c in cited)) / len(set(gold))


def citation_precision(cited: Sequence[str], gold: Sequence[str]) -> float:
    """ALCE-style: share of distinct cited clauses that are gold; an answer citing nothing scores 0."""
    distinct = list(dict.fromkeys(cited))
    if not distinct:
        return 0.0
    return sum(1 for c in distinct if _is_gold(c, gold)) / len(distinct)


def token_f1(answer: str, key_facts: Sequence[str]) -> float:
    """SQuAD-style token F1 between the answer and the key facts, tokens from jieba (stopwords removed)."""
    from collections import Counter

    from assistant.chinese import words

    predicted = Counter(words(answer))
    gold = Counter(w for fact in key_facts for w in words(fact))
    if not predicted or not gold:
        return 0.0
    overlap = sum((predicted & gold).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(predicted.values())
    recall = overlap / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def quotes_verified(verified: Sequence[bool]) -> float | None:
    """Share of an answer's citations whose quote verified; None when there are none."""
    return sum(verified) / len(verified) if verified else None


def groundedness(supported: Sequence[bool]) -> float | None:
    """Share of an answer's claims that verify against their clauses; None when the answer has no claims."""
    return sum(supported) / len(supported) if supported else None


def micro_share(hits: int, total: int) -> float | None:
    """Pooled share over all units (quotes, claims), not averaged per answer; None when there are none."""
    return hits / total if total else None


def missed_facts(answer: str, key_facts: Sequence[str]) -> list[str]:
    from assistant.chinese import match_key

    text = match_key(answer)
    return [fact for fact in key_facts if match_key(fact) not in text]
