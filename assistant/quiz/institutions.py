"""Institutions by kind and level, from data/institutions.toml: which body may stand in for another.

A false statement that swaps a body, and a single choice that sets bodies against the key, stay in the key's
hierarchy (the state's organs and governments, the courts, self-governing bodies, enterprises …) and at most a few
levels away: 国务院 → 省、自治区、直辖市人民政府 is a careless reader's belief, 国务院 → 村民委员会 is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from assistant.quiz.gazetteer import institution_class, load_data


@dataclass(frozen=True)
class Rank:
    hierarchy: str
    level: int


@cache
def _table() -> tuple[int, tuple[tuple[re.Pattern[str], Rank], ...]]:
    data = load_data("institutions")
    rules = tuple(
        (re.compile("|".join(f"(?:{p})" for p in entry["patterns"])), Rank(entry["hierarchy"], int(entry["level"])))
        for entry in data["ranks"]
    )
    return int(data["max_level_gap"]), rules


def rank_of(name: str) -> Rank | None:
    """The hierarchy and level of a body the table names; None for a body it does not know."""
    return next((rank for pattern, rank in _table()[1] if pattern.fullmatch(name)), None)


def interchangeable(key: str, other: str) -> bool:
    """Whether `other` may stand in for the body `key` in a false statement or as its distractor: the same
    hierarchy at most max_level_gap levels away, or, for two bodies the table does not rank, the same class of
    ending (an organ for an organ, a bank for a bank)."""
    a, b = rank_of(key), rank_of(other)
    if a is None or b is None:
        return a is None and b is None and institution_class(key) == institution_class(other)
    return a.hierarchy == b.hierarchy and abs(a.level - b.level) <= _table()[0]
