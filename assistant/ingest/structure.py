"""Parse the hierarchy of a Chinese official document into citable clauses.

Title; parts 一、 (or 第X章/第X节); clauses （一）/(一) (or 第X条, 1./1、, （1）).
Paragraphs cut by page breaks are rejoined; characters are never changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.chinese import CN_NUMERAL, cn_to_int, ends_paragraph, split_sentences
from assistant.types import Clause, Sentence

_MD_PREFIX = r"(?:#{1,6}\s*)?"
_NUM = rf"(?:{CN_NUMERAL}|\d{{1,4}})"

HEADING_PATTERNS: dict[str, re.Pattern[str]] = {
    "part": re.compile(rf"^{_MD_PREFIX}(?P<num>{CN_NUMERAL})、(?P<title>[^。；;]{{1,80}})$"),
    "chapter": re.compile(rf"^{_MD_PREFIX}第(?P<num>{_NUM})章[\s\u3000]*(?P<title>.*)$"),
    "section": re.compile(rf"^{_MD_PREFIX}第(?P<num>{_NUM})节[\s\u3000]*(?P<title>.*)$"),
    "article": re.compile(rf"^{_MD_PREFIX}(?P<label>第(?P<num>{_NUM})条)[\s\u3000]*(?P<body>.*)$"),
    "cn_paren": re.compile(rf"^{_MD_PREFIX}(?P<label>[（(](?P<num>{CN_NUMERAL})[）)])[\s\u3000]*(?P<body>.*)$"),
    "arabic": re.compile(rf"^{_MD_PREFIX}(?P<label>(?P<num>\d{{1,3}})[.、．](?!\d))[\s\u3000]*(?P<body>\S.*)$"),
    "arabic_paren": re.compile(rf"^{_MD_PREFIX}(?P<label>[（(](?P<num>\d{{1,3}})[）)])[\s\u3000]*(?P<body>\S.*)$"),
}
PART_KINDS = ("part", "chapter", "section")
# Precedence of clause-level markers: the highest present becomes the citable clause.
CLAUSE_KINDS = ("article", "cn_paren", "arabic", "arabic_paren")

_TITLE_TYPE = re.compile(r"关于.+的(?P<type>[^的]{2,12})$")


@dataclass
class Paragraph:
    text: str
    start: int
    end: int
    kind: str | None = None
    match: re.Match[str] | None = None


@dataclass
class Block:
    """One paragraph after rejoining page breaks."""

    paragraphs: list[Paragraph]
    joins: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.paragraphs)

    @property
    def head(self) -> Paragraph:
        return self.paragraphs[0]


@dataclass
class ParsedStructure:
    title: str
    short_title: str
    clauses: list[Clause]
    page_breaks: list[int]


def split_paragraphs(source: str) -> list[Paragraph]:
    paragraphs = []
    offset = 0
    for line in source.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        stripped = content.strip()
        if stripped:
            start = offset + (len(content) - len(content.lstrip()))
            paragraphs.append(Paragraph(stripped, start, start + len(stripped)))
        offset += len(line)
    for paragraph in paragraphs:
        for kind, pattern in HEADING_PATTERNS.items():
            match = pattern.match(paragraph.text)
            if match:
                paragraph.kind, paragraph.match = kind, match
                break
    return paragraphs


def short_title_of(title: str) -> str:
    """中共中央国务院关于…的指导意见 → 指导意见; other titles are kept whole."""
    match = _TITLE_TYPE.search(title)
    return match.group("type") if match else title


def _title_of(paragraphs: list[Paragraph], fallback: str) -> tuple[str, list[Paragraph]]:
    if paragraphs:
        first = paragraphs[0]
        if first.kind is None and not ends_paragraph(first.text) and len(first.text) <= 80:
            return first.text.lstrip("# "), paragraphs[1:]
    return fallback, paragraphs


def _rejoin(paragraphs: list[Paragraph]) -> tuple[list[Block], list[int]]:
    blocks: list[Block] = []
    page_breaks: list[int] = []
    for paragraph in paragraphs:
        if blocks:
            previous = blocks[-1]
            tail = previous.paragraphs[-1]
            if previous.head.kind not in PART_KINDS and paragraph.kind is None and not ends_paragraph(tail.text):
                previous.joins.append(len(previous.text))
                previous.paragraphs.append(paragraph)
                page_breaks.append(paragraph.start)
                continue
        blocks.append(Block([paragraph]))
    return blocks, page_breaks


def _number(numeral: str) -> int:
    return int(numeral) if numeral.isdigit() else cn_to_int(numeral)


def _strip_end(text: str) -> str:
    return text.rstrip("。；;：: ")


@dataclass
class _Draft:
    clause: str
    part: str
    heading: str
    label_tail: str
    number: int | None
    blocks: list[Block]


def parse_structure(source: str, fallback_title: str) -> ParsedStructure:
    paragraphs = split_paragraphs(source)
    title, body = _title_of(paragraphs, fallback_title)
    short = short_title_of(title)
    blocks, page_breaks = _rejoin(body)
    kinds = {b.head.kind for b in blocks}
    clause_kind = next((k for k in CLAUSE_KINDS if k in kinds), None)

    drafts: list[_Draft] = []
    part = ""
    part_name = ""  # the part's title without its numeral
    current: _Draft | None = None
    for block in blocks:
        kind, match = block.head.kind, block.head.match
        if kind in PART_KINDS and match is not None:
            name = match.group("title").strip()
            heading_text = re.sub(rf"^{_MD_PREFIX}", "", block.text)
            if kind in ("part", "chapter"):
                part = heading_text
            else:
                part = (part.split(" / ")[0] + " / " + heading_text) if part else heading_text
            part_name = name or block.text
            current = None
            continue
        if kind == clause_kind and match is not None:
            body_text = match.group("body")
            first = split_sentences(body_text)
            first_sentence = first[0].text if first else body_text
            heading = match.group("label") + first_sentence
            numeral = match.group("num")
            if clause_kind == "cn_paren":
                name, tail = numeral, f"（{numeral}）{_strip_end(first_sentence)}"
            elif clause_kind == "article":
                name, tail = match.group("label"), match.group("label")
            elif clause_kind == "arabic":
                name, tail = numeral, f"{numeral}. {_strip_end(first_sentence)}"
            else:
                name, tail = f"({numeral})", f"（{numeral}）{_strip_end(first_sentence)}"
            current = _Draft(name, part, heading, tail, _number(numeral), [block])
            drafts.append(current)
            continue
        if current is not None and current.part == part:
            current.blocks.append(block)
            continue
        name = part_name if part else "序言"
        if drafts and drafts[-1].part == part and drafts[-1].number is None and drafts[-1].clause == name:
            drafts[-1].blocks.append(block)
            continue
        current = None
        drafts.append(_Draft(name, part, part_name or "序言", "", None, [block]))

    _split_closing(drafts, clause_kind)
    _qualify_duplicates(drafts)
    clauses = [_to_clause(d, i, title, short, part_prefix_of(d.part)) for i, d in enumerate(drafts)]
    return ParsedStructure(title, short, clauses, page_breaks)


def part_prefix_of(part: str) -> str:
    for kind in ("part", "chapter"):
        match = HEADING_PATTERNS[kind].match(part.split(" / ")[0]) if part else None
        if match:
            return f"{match.group('num')}、" if kind == "part" else f"第{match.group('num')}章 "
    return ""


def _split_closing(drafts: list[_Draft], clause_kind: str | None) -> None:
    """Paragraphs after the last numbered （N） clause are the document's closing text (结语)."""
    if clause_kind != "cn_paren":
        return
    numbered = [d for d in drafts if d.number is not None]
    if not numbered:
        return
    last = numbered[-1]
    if len(last.blocks) > 1 and drafts[-1] is last:
        closing = last.blocks[1:]
        del last.blocks[1:]
        drafts.append(_Draft("结语", "", "结语", "", None, closing))


def _qualify_duplicates(drafts: list[_Draft]) -> None:
    """Clause names must be unique in a document: 1. restarting per part becomes 二.1; a true repeat gets -2."""
    counts: dict[str, int] = {}
    for draft in drafts:
        counts[draft.clause] = counts.get(draft.clause, 0) + 1
    for draft in drafts:
        if counts[draft.clause] > 1 and draft.part:
            prefix = part_prefix_of(draft.part).strip(" 、") or draft.part
            draft.clause = f"{prefix}.{draft.clause}"
    taken: dict[str, int] = {}
    for draft in drafts:
        taken[draft.clause] = taken.get(draft.clause, 0) + 1
        if taken[draft.clause] > 1:
            draft.clause = f"{draft.clause}-{taken[draft.clause]}"


def _to_clause(draft: _Draft, order: int, title: str, short: str, part_prefix: str) -> Clause:
    texts: list[str] = []
    joins: list[int] = []
    sentences: list[Sentence] = []
    offset = 0
    for block in draft.blocks:
        if texts:
            texts.append("\n")
            offset += 1
        block_text = block.text
        joins.extend(offset + j for j in block.joins)
        for span in split_sentences(block_text):
            sentences.append(
                Sentence(index=len(sentences), text=span.text, start=offset + span.start, end=offset + span.end)
            )
        texts.append(block_text)
        offset += len(block_text)
    if draft.number is None:
        tail = draft.clause if draft.clause in ("序言", "结语") else f"{part_prefix}{draft.heading}"
    elif draft.label_tail.startswith("第"):
        tail = draft.label_tail  # article numbers run through the whole document: 《办法》第三条
    else:
        tail = f"{part_prefix}{draft.label_tail}"
    return Clause(
        doc_id="",
        doc_title=title,
        clause=draft.clause,
        part=draft.part,
        heading=draft.heading,
        label=f"《{short}》{tail}",
        order=order,
        number=draft.number,
        start=draft.blocks[0].head.start,
        end=draft.blocks[-1].paragraphs[-1].end,
        text="".join(texts),
        joins=joins,
        sentences=sentences,
    )
