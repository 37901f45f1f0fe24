"""Likely typos from conversion, found against the document's own vocabulary.

A character that OCR or PDF conversion often puts for another (data/typos.toml: 卜 for 部, 己 for 已) is
suspect where the bigram it forms is rare in the document while the same bigram with the other character is
frequent (西卜 once, 西部 a hundred times): the document spells the word right elsewhere. When it does not (扛杆率
once, 杠杆 nowhere), jieba's dictionary decides, for a character rare in it. `lint` reports these; the quiz keeps them out of its items.
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
        if chars[char] > rare:
            continue
        for alternative in confusions.get(char, []):
            hit = None
            for a, b in ((at - 1, at + 1), (at, at + 2)):  # the bigram ending on, then starting on, the character
                if a < 0 or b > len(text):
                    continue
                written = text[a:b]
                if not all("\u4e00" <= ch <= "\u9fff" for ch in written):
                    continue  # a bigram across punctuation is no word
                meant = written.replace(char, alternative, 1) if a == at else written[0] + alternative
                if counts[meant] >= least and counts[meant] >= ratio * counts[written]:
                    hit = Typo(offset=at, written=written, meant=meant)
                    break
            if hit is None and dictionary:
                hit = _dictionary_typo(text, at, alternative, data)
            if hit is not None:
                found.append(hit)
                break
    return found


def _dictionary_typo(text: str, at: int, alternative: str, data: dict[str, Any]) -> Typo | None:
    """The word the document spells once is no word, while the same word with the other character is a common one
    (扛杆 for 杠杆): jieba's dictionary decides when the document's own vocabulary cannot. Only for a character rare in
    the dictionary itself (扛, 卜), since a common one (未, 己) joins words the dictionary does not list (期未满)."""
    char = text[at]
    if word_frequency(char) >= int(data["dictionary_max_char_frequency"]):
        return None
    least = int(data["dictionary_min_word_frequency"])
    for a in range(max(0, at - 3), at + 1):  # the written character is part of no dictionary word
        for b in range(max(at + 1, a + 2), min(len(text), a + 4) + 1):
            if word_frequency(text[a:b]):
                return None
    for a, b in ((at - 1, at + 1), (at, at + 2)):
        if a < 0 or b > len(text) or not all("\u4e00" <= ch <= "\u9fff" for ch in text[a:b]):
            continue
        written = text[a:b]
        meant = written[:1] + alternative if a < at else alternative + written[1:]
        if word_frequency(meant) >= least:
            return Typo(offset=at, written=written, meant=meant, by_dictionary=True)
    return None
