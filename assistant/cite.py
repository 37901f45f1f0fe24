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


def quote_fragments(quote: str) -> list[str]:
    """The pieces of a quote between ellipses; each is a quotation of its own and must verify on its own."""
    return [f for f in _ELLIPSIS.split(quote) if normalize_for_match(f).text]


_EDGE_PUNCT = "。，、；：！？,.;:!? "


def locate_quote(quote: str, clause_text: str) -> QuoteMatch | None:
    """Where the whole quote stands verbatim in the clause text, or None.

    An ellipsis joining fragments is not verification (“养……老……机……构” would match almost any clause):
    such a quote is None here; callers check each of `quote_fragments` as a quotation of its own.
    """
    if _ELLIPSIS.search(quote):
        return None
    haystack = normalize_for_match(clause_text)
    # A model closes a quoted sentence with its own full stop (“…体系。”) where the source may go on.
    for candidate in (quote, quote.strip(_EDGE_PUNCT)):
        needle = normalize_for_match(candidate).text
        if len(needle) < MIN_QUOTE_CHARS:
            continue
        found = haystack.text.find(needle)
        if found >= 0:
            start, end = haystack.span_in_original(found, found + len(needle))
            return QuoteMatch(start, end)
    return None


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
    """One sentence of generated text, the clause numbers it cites and the whole quotations it contains."""

    text: str
    markers: tuple[int, ...]
    quotes: tuple[str, ...]
    paragraph: int = 0  # sentences of one paragraph share an index (for paragraph-end markers)


_OPENERS = {"“": "”", "「": "」", "『": "』", "‘": "’"}
_TERMINATORS = "。！？!?"
_TRAILING_MARKER = re.compile(r"(?:\s*\[\d{1,3}\])+")


def split_sentences(text: str) -> list[tuple[str, int]]:
    """(sentence, paragraph) pieces; a sentence ends at 。！？ or a line end, never inside a quotation.

    Markers right after the end (“…。”[1], …。[1][2]) stay with their sentence. A quote closed by a full stop
    inside it (“…。”) ends the sentence too.
    """
    pieces: list[tuple[str, int]] = []
    paragraph, start, i = 0, 0, 0
    closing: list[str] = []
    straight_open = False

    def cut(end: int) -> int:
        marker = _TRAILING_MARKER.match(text, end)
        end = marker.end() if marker else end
        if text[start:end].strip():
            pieces.append((text[start:end].strip(), paragraph))
        return end

    while i < len(text):
        ch = text[i]
        if ch == "\n" and not (closing and closing[-1] in text[i:]):
            cut(i)
            start, i = i + 1, i + 1
            paragraph += 1  # a line is a paragraph: markers at its end cover its sentences
            closing, straight_open = [], False  # an unclosed quote never swallows the following lines
            continue
        if ch in _OPENERS:
            closing.append(_OPENERS[ch])
        elif closing and ch == closing[-1]:
            closing.pop()
            if not closing and not straight_open and i > 0 and text[i - 1] in _TERMINATORS:
                i = start = cut(i + 1)
                continue
        elif ch == '"':
            straight_open = not straight_open
        elif ch in _TERMINATORS and not closing and not straight_open:
            j = i + 1
            while j < len(text) and text[j] in _TERMINATORS + "”’」』)）":
                j += 1
            i = start = cut(j)
            continue
        i += 1
    cut(len(text))
    return pieces


def quotations(sentence: str) -> tuple[str, ...]:
    """The whole outermost quotations in a sentence, in order: never split at 。 or at a quote nested inside."""
    found: list[str] = []
    closing: list[str] = []
    start = 0
    for i, ch in enumerate(sentence):
        if closing and ch == closing[-1]:
            closing.pop()
            if not closing:
                found.append(sentence[start:i])
        elif ch in _OPENERS or (ch == '"' and not closing):
            if not closing:
                start = i + 1
            closing.append(_OPENERS.get(ch, '"'))
    return tuple(q.strip() for q in found if q.strip())


def parse_marked_text(text: str) -> list[MarkedSentence]:
    sentences = []
    for chunk, paragraph in split_sentences(text):
        markers = tuple(int(m) for m in MARKER.findall(chunk))
        sentences.append(MarkedSentence(chunk, markers, quotations(chunk), paragraph))
    return sentences


def strip_markers(text: str, numbers: set[int]) -> str:
    """Remove the given [n] markers from text (e.g. markers naming clauses that were never provided)."""
    return MARKER.sub(lambda m: "" if int(m.group(1)) in numbers else m.group(0), text)


# --- citation styles models write, normalised to [n] -----------------------------------------

_FOOTNOTE_DEFINITION = re.compile(r"^[ \t]*\[\^\d{1,3}\][ \t]*[:：].*(?:\n|$)", re.MULTILINE)
_FOOTNOTE = re.compile(r"\[\^(\d{1,3})\]")
_SEPARATOR = r"\s*(?:[,，、;；]|-|–|—|~|～|至|to)\s*"
_NUMBER_LIST = rf"\d{{1,3}}(?:{_SEPARATOR}\d{{1,3}})*"
_BRACKETED = re.compile(
    rf"[\[【〔［]\s*(?:来源|出处|条款|编号|文件|文献|引用|参考|source|ref)?\s*[:：]?\s*({_NUMBER_LIST})\s*[\]】〕］]",
    re.I,
)
_SOURCE_PAREN = re.compile(
    r"[（(]\s*(?:来源|出处|依据|参见|参考|详见|见|引自|据|source|ref)?\s*[:：]?\s*((?:\[\d{1,3}\]\s*[,，、;；]?\s*)+)[)）]",
    re.IGNORECASE,
)
MAX_RANGE = 20  # [1-300] is a typo, not three hundred citations


def _expand(numbers: str) -> list[int]:
    out: list[int] = []
    parts = re.split(rf"({_SEPARATOR})", numbers)
    values = [int(p) for p in parts[0::2]]
    seps = [p.strip() for p in parts[1::2]]
    out.append(values[0])
    for sep, value in zip(seps, values[1:], strict=True):
        if sep in ("-", "–", "—", "~", "～", "至", "to") and out and 0 < value - out[-1] <= MAX_RANGE:
            out.extend(range(out[-1] + 1, value + 1))
        else:
            out.append(value)
    return list(dict.fromkeys(out))


def normalize_markers(text: str) -> str:
    """[1, 2], [1-3], 【1】, [^1], （来源：[1]） … → [1][2][3]; footnote definition lines are dropped."""
    text = _FOOTNOTE_DEFINITION.sub("", text)
    text = _FOOTNOTE.sub(r"[\1]", text)
    text = _BRACKETED.sub(lambda m: "".join(f"[{n}]" for n in _expand(m.group(1))), text)
    return _SOURCE_PAREN.sub(lambda m: "".join(f"[{n}]" for n in MARKER.findall(m.group(1))), text)


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
