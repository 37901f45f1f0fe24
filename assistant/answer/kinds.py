"""What kind of answer a question wants (number, date, place, list, yes/no, who), and whether a sentence gives it.

Both the phrases and the evidence patterns are data: data/answer_kinds.toml and data/evidence_patterns.toml.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from assistant.answer.wordlists import table, word_list
from assistant.chinese import pos_tag


@dataclass(frozen=True)
class AnswerKind:
    name: str
    what: str  # what the documents do not state, for the refusal sentence
    evidence: tuple[str, ...]
    phrases: tuple[str, ...]
    units: tuple[tuple[str, str], ...] = ()  # (phrase, unit): 几倍 wants a number of 倍


@cache
def answer_kinds() -> tuple[AnswerKind, ...]:
    return tuple(
        AnswerKind(k["name"], k["what"], tuple(k["evidence"]), tuple(k["phrases"]), tuple(k.get("units", {}).items()))
        for k in table("answer_kinds.toml")["kind"]
    )


def classify(question: str) -> AnswerKind | None:
    """The kind whose longest phrase occurs in the question; None when no phrase does."""
    best: tuple[int, int, AnswerKind] | None = None
    for order, kind in enumerate(answer_kinds()):
        for phrase in kind.phrases:
            if phrase in question and (best is None or (len(phrase), -order) > (best[0], best[1])):
                best = (len(phrase), -order, kind)
    return best[2] if best else None


def asked_unit(kind: AnswerKind, question: str) -> str | None:
    """The unit the question's longest unit-naming phrase asks for (几倍 → 倍), if any."""
    found = [(len(phrase), unit) for phrase, unit in kind.units if phrase in question]
    return max(found)[1] if found else None


def gives_unit(unit: str, sentence: str) -> bool:
    """Whether the sentence states a number of that unit (三倍, 1.5倍), article numbers aside."""
    numeral = table("evidence_patterns.toml")["numeral"]
    return re.search(f"{numeral}{re.escape(unit)}", without_labels(sentence)) is not None


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    data = table("evidence_patterns.toml")
    return {name: re.compile(data[name]) for name in ("date", "duration", "number")} | {
        "ignore": re.compile("|".join(f"(?:{p})" for p in data["ignore"]), re.MULTILINE)
    }


def _suffixed(text: str, key: str) -> bool:
    suffixes = tuple(table("evidence_patterns.toml")[key])
    return any(len(word) > 1 and word.endswith(suffixes) for word in _words(text))


def _words(text: str) -> list[str]:
    return [word for word, _ in pos_tag(text)]


def without_labels(text: str) -> str:
    """The sentence without article and item numbers or document titles, which answer nothing."""
    return _patterns()["ignore"].sub(" ", text)


def places(text: str) -> list[str]:
    """Place names (jieba ns), without the regions every national document names."""
    generic = word_list("generic_places.txt")
    return [word for word, flag in pos_tag(text) if flag == "ns" and word not in generic]


def _has_number(text: str) -> bool:
    # Dates and durations are not the quantity asked for ("十五日内申报" does not give a tax rate).
    patterns = _patterns()
    return bool(patterns["number"].search(patterns["duration"].sub(" ", patterns["date"].sub(" ", text))))


CHECKS: dict[str, Callable[[str], bool]] = {
    "any": lambda text: True,
    "number": _has_number,
    "date": lambda text: bool(_patterns()["date"].search(text)),
    "duration": lambda text: bool(_patterns()["duration"].search(text)),
    "place": lambda text: bool(places(text)),
    "locality": lambda text: _suffixed(text, "locality_suffixes"),
    "institution": lambda text: (
        any(flag == "nt" for _, flag in pos_tag(text)) or _suffixed(text, "institution_suffixes")
    ),
}


def gives(kind: AnswerKind, sentence: str) -> bool:
    """Whether the sentence contains what the kind asks for, article and item numbers aside."""
    text = without_labels(sentence)
    return any(CHECKS[name](text) for name in kind.evidence)
