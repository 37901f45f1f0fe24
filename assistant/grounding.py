"""Claim-level grounding: every sentence of a model's answer is verified against the clauses it cites, or marked.

A claim is verified when each of its whole quotations stands verbatim in a cited clause, every number, place
and institution in it appears in those clauses, and the words around its quotes add no content of their own.
Anything else, uncited sentences included, is unsupported and shown as the model's own words.
Used by the LLM answerer, for the extractive answer's claims, and available to the quiz checker.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assistant.chinese import CN_NUMERAL, char_bigrams, cn_to_int, match_key, pos_tag, words
from assistant.cite import (
    MARKER,
    MIN_QUOTE_CHARS,
    make_citation,
    normalize_markers,
    parse_marked_text,
    quote_fragments,
)
from assistant.types import Citation, Claim, Clause

DATA_FILE = Path(__file__).parent / "data" / "grounding.toml"
UNVERIFIED_MARK = "（未经原文核实）"

_CLAUSE_REF = re.compile(
    rf"(?:《(?P<title>[^》]{{1,60}})》\s*)?第\s*[（(]?\s*(?P<num>{CN_NUMERAL}|\d{{1,3}})\s*[)）]?\s*条"
)
_NUMBER = re.compile(rf"\d+(?:[.,]\d+)*\s*(?:%|％)?|百分之{CN_NUMERAL}|{CN_NUMERAL}(?=[元年月日个项倍亿万%])")
_CN_NUMBER_RUN = re.compile(r"[零〇一二两三四五六七八九十百千万亿]{2,}")
_MARKDOWN = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.、)]\s*|>\s*)|\*\*|__|`")
_QUOTED_ANY = re.compile(r"“[^“”]*”|「[^「」]*」|『[^『』]*』|\"[^\"\n]*\"")
# jieba parts of speech that name places and institutions.
_FACT_FLAGS = ("ns", "nt")
_GENERIC_PLACES = frozenset(["西部", "东部", "中部", "西部地区", "东部地区", "中西部", "全国", "国家", "境外", "境内"])


@dataclass(frozen=True)
class Lexicon:
    max_novel_words: int
    refusal_phrases: tuple[str, ...]
    framing_words: frozenset[str]


@lru_cache(maxsize=4)
def load_lexicon(path: Path = DATA_FILE) -> Lexicon:
    data = tomllib.loads(path.read_text("utf-8"))
    return Lexicon(
        int(data["max_novel_words"]),
        tuple(data["refusal_phrases"]),
        frozenset(data["framing_words"]),
    )


@dataclass
class Grounded:
    """A checked answer: the text to show (unsupported claims marked), its claims and citations."""

    text: str
    claims: list[Claim]
    citations: list[Citation]
    invalid: list[str] = field(default_factory=list)  # markers and clause labels naming no given clause
    refused: bool = False
    refusal_text: str = ""

    @property
    def verified(self) -> list[Claim]:
        return [c for c in self.claims if c.supported and c.citations]


def is_refusal(text: str, lexicon: Lexicon | None = None) -> bool:
    lexicon = lexicon or load_lexicon()
    flat = text.lower()
    return any(phrase.lower() in flat for phrase in lexicon.refusal_phrases)


def clause_refs(text: str, sources: list[Clause]) -> tuple[list[int], list[str]]:
    """The given clauses a sentence names by label (第（二十五）条, 《办法》第三条), and labels naming none."""
    found: list[int] = []
    unknown: list[str] = []
    for match in _CLAUSE_REF.finditer(text):
        raw = match.group("num")
        number = int(raw) if raw.isdigit() else cn_to_int(raw)
        title = match.group("title")
        hits = [
            n
            for n, clause in enumerate(sources, start=1)
            if clause.number == number and (title is None or _same_title(title, clause))
        ]
        if hits:
            found += hits
        else:
            unknown.append(match.group())
    return found, unknown


def _same_title(title: str, clause: Clause) -> bool:
    short = clause.label.split("》", 1)[0].lstrip("《")
    key = match_key(title)
    return any(key in match_key(t) or match_key(t) in key for t in (clause.doc_title, short) if t)


def facts(text: str) -> list[str]:
    """Numbers, amounts, dates, places and institutions a sentence states (clause labels and markers excluded)."""
    text = _CLAUSE_REF.sub(" ", MARKER.sub(" ", text))
    found = [m.group().strip() for m in _NUMBER.finditer(text)]
    found += _CN_NUMBER_RUN.findall(text)
    found += [w for w, flag in pos_tag(text) if flag in _FACT_FLAGS and w not in _GENERIC_PLACES and len(w) >= 2]
    return [f for f in dict.fromkeys(found) if f]


def unsupported_facts(text: str, clauses: list[Clause]) -> list[str]:
    """The facts of `text` that none of the clauses states (for answers and quiz items alike)."""
    haystack = _haystack(clauses)
    return [f for f in facts(text) if match_key(f) not in haystack]


def _haystack(clauses: list[Clause]) -> str:
    return "\n".join(match_key(f"{c.doc_title}{c.label}{c.text}") for c in clauses)


def novel_words(prose: str, clauses: list[Clause], lexicon: Lexicon) -> list[str]:
    """Content words outside quotes that the cited clauses do not contain and that are not framing."""
    haystack = _haystack(clauses)
    out = []
    for word in words(_MARKDOWN.sub("", prose)):
        if len(word) < 2 or word in lexicon.framing_words:
            continue
        if match_key(word) not in haystack:
            out.append(word)
    return list(dict.fromkeys(out))


def _supporting_sentence(n: int, clause: Clause, claim: str) -> Citation | None:
    """For a claim in the model's own words: the clause sentence it restates, quoted from the source itself."""
    grams = char_bigrams(claim)
    best, score = None, 0.0
    for sentence in clause.sentences:
        overlap = len(grams & char_bigrams(sentence.text)) / (len(grams) or 1)
        if overlap > score:
            best, score = sentence, overlap
    if best is None:
        return None
    return make_citation(n, clause, clause.text[best.start : best.end])


def ground(text: str, sources: list[Clause], truncated: bool = False, lexicon: Lexicon | None = None) -> Grounded:
    """Check every sentence of `text` against `sources` ([n] is sources[n-1])."""
    lexicon = lexicon or load_lexicon()
    text = normalize_markers(text).strip()
    invalid_numbers = sorted({int(m) for m in MARKER.findall(text) if not 1 <= int(m) <= len(sources)})
    sentences = parse_marked_text(text)
    # Markers closing a paragraph cover its unmarked sentences (句一。句二。[1]).
    paragraph_markers: dict[int, tuple[int, ...]] = {}
    previous: int | None = None
    for sentence in sentences:
        if not sentence.markers:
            previous = sentence.paragraph
            continue
        if not MARKER.sub("", sentence.text).strip() and previous is not None:
            # A line of markers alone closes the paragraph before it.
            paragraph_markers.setdefault(previous, sentence.markers)
        paragraph_markers[sentence.paragraph] = sentence.markers
        previous = sentence.paragraph
    claims: list[Claim] = []
    citations: list[Citation] = []
    shown: list[str] = []
    invalid: list[str] = [f"[{n}]" for n in invalid_numbers]
    last = len(sentences) - 1
    for index, sentence in enumerate(sentences):
        raw = MARKER.sub(lambda m: "" if int(m.group(1)) in invalid_numbers else m.group(0), sentence.text).strip()
        claim_text = MARKER.sub("", raw).strip()
        if not claim_text:
            continue  # a line of markers only: already applied to its paragraph
        markers = sentence.markers or paragraph_markers.get(sentence.paragraph, ())
        valid = [n for n in dict.fromkeys(markers) if 1 <= n <= len(sources)]
        by_label, unknown_labels = clause_refs(claim_text, sources)
        invalid += unknown_labels
        cited = list(dict.fromkeys(valid + by_label))
        claim, found = _check_claim(claim_text, sentence.quotes, cited, sources, lexicon)
        if any(n in invalid_numbers for n in sentence.markers):
            claim = _unsupported(claim, "引用了不存在的条款编号")
        if unknown_labels:
            claim = _unsupported(claim, f"提到的{unknown_labels[0]}不在所给条款中")
        if truncated and index == last and not re.search(r"[。！？!?”」]\s*(?:\[\d+\])*$", raw):
            claim = _unsupported(claim, "回答在此处被截断")
        claims.append(claim)
        citations += found
        shown.append(raw if claim.supported else raw + UNVERIFIED_MARK)
    verified = [c for c in claims if c.supported and c.citations]
    refusals = [c for c in claims if is_refusal(c.text, lexicon)]
    grounded = Grounded(
        text=_rejoin(sentences, shown, text),
        claims=claims,
        citations=_renumber(citations),
        invalid=list(dict.fromkeys(invalid)),
    )
    if not verified and refusals:
        grounded.refused = True
        # Only the refusal itself is shown: quotes and markers beside it were not checked into the answer.
        grounded.refusal_text = "".join(
            MARKER.sub("", c.text) for c in refusals if not _QUOTED_ANY.search(c.text) or c.supported
        )
    return grounded


def _check_claim(
    text: str, quotes: tuple[str, ...], cited: list[int], sources: list[Clause], lexicon: Lexicon
) -> tuple[Claim, list[Citation]]:
    clauses = [sources[n - 1] for n in cited]
    if not cited:
        if _is_framing(text, sources, lexicon):
            return Claim(text=text, citations=[], supported=True), []
        return Claim(text=text, citations=[], supported=False, reason="没有标注出处"), []
    found: list[Citation] = []
    reasons: list[str] = []
    for quote in (MARKER.sub("", q).strip() for q in quotes):  # “…体系[1]”: the marker is not quoted text
        pieces = quote_fragments(quote)
        if not pieces:
            continue
        if len(pieces) == 1 and len(match_key(quote.strip("。，、；：,.;: "))) < MIN_QUOTE_CHARS:
            # A quoted term (“放管服”) is too short to locate; it must still be in the cited clauses.
            if match_key(quote) not in _haystack(clauses):
                reasons.append(f"“{quote}”不在所引条款中")
            continue
        for piece in pieces:
            candidates = [make_citation(n, sources[n - 1], piece) for n in cited]
            hit = next((c for c in candidates if c.verified), candidates[0])
            found.append(hit)
            if not hit.verified:
                reasons.append("引文未能在所引条款中逐字核实")
    plain = _MARKDOWN.sub("", text)
    prose = _QUOTED_ANY.sub(" ", plain)
    missing = unsupported_facts(plain, clauses)
    if missing:
        reasons.append(f"“{missing[0]}”不在所引条款中")
    novel = novel_words(prose, clauses, lexicon)
    if len(novel) > lexicon.max_novel_words:
        reasons.append(f"“{'、'.join(novel[:3])}”等说法不在所引条款中")
    if not reasons and not found:
        support = _supporting_sentence(cited[0], sources[cited[0] - 1], prose)
        if support is not None:
            found.append(support)
    numbers = list(dict.fromkeys(c.n for c in found)) or cited
    if reasons:
        return Claim(text=text, citations=numbers, supported=False, reason=reasons[0]), found
    return Claim(text=text, citations=numbers, supported=True), found


def _is_framing(text: str, sources: list[Clause], lexicon: Lexicon) -> bool:
    """A heading or lead-in (“主要安排如下：”, “### 养老服务”) that states nothing the clauses do not."""
    stripped = text.strip()
    heading = stripped.startswith("#") or stripped.rstrip("*").endswith(("：", ":"))
    if not heading or _QUOTED_ANY.search(stripped) or is_refusal(stripped, lexicon):
        return False
    plain = _MARKDOWN.sub("", stripped)
    return not unsupported_facts(plain, sources) and not novel_words(plain, sources, lexicon)


def _unsupported(claim: Claim, reason: str) -> Claim:
    return claim.model_copy(update={"supported": False, "reason": claim.reason or reason})


def _renumber(citations: list[Citation]) -> list[Citation]:
    """One citation per distinct (clause, span), in answer order."""
    seen: set[tuple[int, str]] = set()
    out = []
    for citation in citations:
        key = (citation.n, citation.quote)
        if key not in seen:
            seen.add(key)
            out.append(citation)
    return out


def _rejoin(sentences: list, shown: list[str], original: str) -> str:
    """The shown sentences with the original line structure (Markdown lists and paragraphs survive)."""
    lines: dict[int, list[str]] = {}
    kept = [s for s in sentences if MARKER.sub("", s.text).strip()]
    for sentence, text in zip(kept, shown, strict=True):
        lines.setdefault(sentence.paragraph, []).append(text)
    blank_before = _blank_lines(original)
    out: list[str] = []
    for paragraph in sorted(lines):
        if out and paragraph in blank_before:
            out.append("")
        out.append("".join(lines[paragraph]))
    return "\n".join(out)


def _blank_lines(text: str) -> set[int]:
    """Indexes of lines (paragraphs) that follow a blank line in the text."""
    found = set()
    for index, line in enumerate(text.split("\n")):
        if index and not line.strip():
            found.add(index + 1)
    return found
