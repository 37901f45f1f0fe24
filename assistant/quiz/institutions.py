"""Institutions by kind and level, from data/institutions.toml: which body may stand in for another.

A false statement that swaps a body, and a single choice that sets bodies against the key, stay in the key's
hierarchy (the state's organs and governments, the courts, self-governing bodies, enterprises …) and at most a few
levels away: 国务院 → 省、自治区、直辖市人民政府 is a careless reader's belief, 国务院 → 村民委员会 is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from assistant.quiz.gazetteer import institution_class, load_data


@dataclass(frozen=True)
class Rank:
    hierarchy: str
    level: int
    branch: str = field(default="", compare=False)
    """The legislature, the executive … within a hierarchy: bodies of two branches never join in one name or
    relation (X及其Y, X设立Y); a bare swap across them (国务院 → 全国人民代表大会常务委员会) tests who acts."""


@cache
def _table() -> tuple[int, tuple[tuple[re.Pattern[str], Rank], ...]]:
    data = load_data("institutions")
    rules = tuple(
        (
            re.compile("|".join(f"(?:{p})" for p in entry["patterns"])),
            Rank(entry["hierarchy"], int(entry["level"]), entry.get("branch", entry["hierarchy"])),
        )
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


def swappable(original: str, replacement: str) -> bool:
    """Whether a false statement may put `replacement` where the text names `original`: both bodies ranked, of
    the same hierarchy, and near in level. An unranked body is never swapped: no item beats an
    absurd one (全国人民代表大会及其审判委员会)."""
    return rank_of(original) is not None and rank_of(replacement) is not None and interchangeable(original, replacement)


@cache
def _joins() -> tuple[str, ...]:
    return tuple(load_data("institutions")["compound_joins"])


def mixed_compound(text: str, body: str) -> bool:
    """Whether `body` stands in `text` right after another ranked body joined by 及其, 的, 设立 … (data:
    compound_joins), of another hierarchy or branch: 全国人民代表大会及其审判委员会, 国务院设立全国人民代表大会常务委员会."""
    inner = rank_of(body)
    start = text.find(body)
    while start > 0 and inner is not None:
        head = text[:start]
        join = next((j for j in _joins() if head.endswith(j)), None)
        if join is not None:
            before = head[: -len(join)]
            outer = next(
                (rank for size in range(min(len(before), 20), 1, -1) if (rank := rank_of(before[-size:])) is not None),
                None,
            )
            if outer is not None and (outer.hierarchy, outer.branch) != (inner.hierarchy, inner.branch):
                return True
        start = text.find(body, start + 1)
    return False
