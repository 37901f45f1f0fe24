"""Citations: parse [n] markers and quotes, and verify every quote verbatim against its clause.

Used by both answerers, the quiz checker and the evals. Matching normalises whitespace, bracket and
punctuation width and quote styles; page breaks are already rejoined in the clause text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.chinese import CN_NUMERAL, normalize_for_match
from assistant.types import Citation, Clause

MIN_QUOTE_CHARS = 4  # shorter quotes ("发展") would verify against almost anything
MARKER = re.compile(r"\[(\d{1,3})\]")
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,400})[”\"」』]")
_ELLIPSIS = re.compile(r"……|…|\.\.\.")


def clause_reference(title: str, clause: str) -> str:
    """How an official text names a clause: 《指导意见》第（十七）条, 《办法》第三条, 《指导意见》序言, 《…》“总体要求”部分."""
    if re.fullmatch(CN_NUMERAL, clause):
        return f"《{title}》第（{clause}）条"
    if clause.startswith("第") or clause in ("序言", "结语"):
        return f"《{title}》{clause}"
    if clause.isdigit():
        return f"《{title}》第{clause}项"
    return f"《{title}》“{clause}”部分"


def short_title(label: str) -> str:
    """The short title a clause label starts with: 《指导意见》二、（三）… → 指导意见."""
    return label.split("》", 1)[0].lstrip("《")


@dataclass(frozen=True)
class QuoteMatch:
    start: int
    end: int


def locate_quote(quote: str, clause_text: str) -> QuoteMatch | None:
    """Where the quote stands in the clause text, or None. An ellipsis may join fragments in order."""
    fragments = [f for f in _ELLIPSIS.split(quote) if normalize_for_match(f).text]
    if not fragments:
        return None
    haystack = normalize_for_match(clause_text)
    if len(normalize_for_match("".join(fragments)).text) < MIN_QUOTE_CHARS:
        return None
    cursor, first_start = 0, None
    last_end = 0
    for fragment in fragments:
        needle = normalize_for_match(fragment).text
        found = haystack.text.find(needle, cursor)
        if found < 0:
            return None
        if first_start is None:
            first_start = found
        cursor = found + len(needle)
        last_end = cursor
    assert first_start is not None
    start, end = haystack.span_in_original(first_start, last_end)
    return QuoteMatch(start, end)


def make_citation(n: int, clause: Clause, quote: str) -> Citation:
    """A citation whose `verified` is true only when the quote stands verbatim in the clause."""
    quote = quote.strip().strip('“”"「」『』')
    match = locate_quote(quote, clause.text)
    return Citation(
        n=n,
        doc_id=clause.doc_id,
        clause=clause.clause,
        label=clause.label,
        quote=quote,
        verified=match is not None,
        start=match.start if match else None,
        end=match.end if match else None,
    )


@dataclass(frozen=True)
class MarkedSentence:
    """One sentence of generated text, the clause numbers it cites and the quotes it contains."""

    text: str
    markers: tuple[int, ...]
    quotes: tuple[str, ...]


_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+(?:\s*\[\d{1,3}\])*|\n|$)")


def parse_marked_text(text: str) -> list[MarkedSentence]:
    sentences = []
    for match in _SENTENCE.finditer(text):
        chunk = match.group().strip()
        if not chunk:
            continue
        markers = tuple(int(m) for m in MARKER.findall(chunk))
        quotes = tuple(q.strip() for q in _QUOTED.findall(chunk))
        sentences.append(MarkedSentence(chunk, markers, quotes))
    return sentences


def strip_markers(text: str, numbers: set[int]) -> str:
    """Remove the given [n] markers from text (e.g. markers naming clauses that were never provided)."""
    return MARKER.sub(lambda m: "" if int(m.group(1)) in numbers else m.group(0), text)


def highlight_spans(clause: Clause, citations: list[Citation]) -> list[tuple[int, int]]:
    """Verified quote spans within a clause, merged and sorted, for highlighting."""
    spans = sorted(
        (c.start, c.end)
        for c in citations
        if c.verified
        and c.clause == clause.clause
        and c.doc_id == clause.doc_id
        and c.start is not None
        and c.end is not None
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
