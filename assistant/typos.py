"""Likely typos from conversion, found against the document's own vocabulary.

A character that OCR or PDF conversion often puts for another (data/typos.toml: 卜 for 部, 己 for 已) is
suspect where the bigram it forms is rare in the document while the same bigram with the other character is
frequent (西卜 once, 西部 a hundred times): the document spells the word right elsewhere. When it does not
(扛杆率 once, 杠杆 nowhere), jieba's dictionary decides, for a character rare in it. `lint` reports these; the quiz
keeps them out of its items.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.chinese import word_frequency

_DATA = Path(__file__).resolve().parent / "data" / "typos.toml"


@dataclass(frozen=True)
class Typo:
    offset: int
    """Offset of the suspect character in the text."""
    written: str
    """The bigram as written (西卜)."""
    meant: str
    """The bigram the document uses elsewhere (西部), or the dictionary's word (杠杆)."""
    by_dictionary: bool = False
    """Found by the dictionary, not by the document's own vocabulary."""


@lru_cache(maxsize=1)
def _settings() -> dict[str, Any]:
    with _DATA.open("rb") as handle:
        return tomllib.load(handle)


def likely_typos(text: str) -> list[Typo]:
    """Every suspect character of text, with the bigram it most likely stands for."""
    data = _settings()
    confusions: dict[str, list[str]] = data["confusions"]
    least, ratio = int(data["min_variant_count"]), float(data["min_ratio"])
    rare = int(data["max_char_count"])
    counts = Counter(text[i : i + 2] for i in range(len(text) - 1))
    chars = Counter(text)
    dictionary = bool(data.get("dictionary_check", False))
    found: list[Typo] = []
    for at, char in enumerate(text):
        if chars[char] > rare or char not in confusions:
            continue
        pairs = [(w, m) for alternative in confusions[char] for w, m in _bigrams(text, at, alternative)]
        hit = next(
            (
                Typo(offset=at, written=written, meant=meant)
                for written, meant in pairs
                if counts[meant] >= least and counts[meant] >= ratio * counts[written]
            ),
            None,
        )
        if hit is None and dictionary and _unknown_to_dictionary(text, at, data):
            hit = next(
                (
                    Typo(offset=at, written=written, meant=meant, by_dictionary=True)
                    for written, meant in pairs
                    if word_frequency(meant) >= int(data["dictionary_min_word_frequency"])
                ),
                None,
            )
        if hit is not None:
            found.append(hit)
    return found


def _bigrams(text: str, at: int, alternative: str) -> list[tuple[str, str]]:
    """(as written, with the alternative character) for the bigram ending on, then starting on, text[at]; a bigram
    across punctuation is no word."""
    out = []
    for a, b in ((at - 1, at + 1), (at, at + 2)):
        written = text[a:b] if a >= 0 and b <= len(text) else ""
        if len(written) == 2 and all("\u4e00" <= ch <= "\u9fff" for ch in written):
            out.append((written, written[0] + alternative if a < at else alternative + written[1]))
    return out


def _unknown_to_dictionary(text: str, at: int, data: dict[str, Any]) -> bool:
    """The character at `at` is rare in jieba's dictionary (扛, 卜) and stands in no dictionary word of two to four
    characters: then the dictionary may decide what the document's own vocabulary cannot (扛杆 for 杠杆). A common
    character (未, 己) joins words the dictionary does not list (期未满), so it is never judged this way."""
    if word_frequency(text[at]) >= int(data["dictionary_max_char_frequency"]):
        return False
    return not any(
        word_frequency(text[a:b])
        for a in range(max(0, at - 3), at + 1)
        for b in range(max(at + 1, a + 2), min(len(text), a + 4) + 1)
    )
