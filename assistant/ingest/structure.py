"""Parse the hierarchy of a Chinese official document into citable clauses.

Title; parts 一、 (or 第X编/第X章/第X节, or a Markdown heading); clauses （一）/(一) (or 第X条, 第X条之Y, 1./1、, （1）).
Metadata before `<!-- INFO END -->` is never clause text. Paragraphs cut by page breaks are rejoined; characters
are never changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.chinese import CN_NUMERAL, cn_to_int, ends_paragraph, split_sentences
from assistant.ingest.labels import clause_label, short_title_of
from assistant.ingest.metadata import FrontMatter, split_front_matter
from assistant.types import Clause, ClauseKind, Sentence

_MD_PREFIX = r"(?:#{1,6}\s*)?"
_NUM = rf"(?:{CN_NUMERAL}|\d{{1,4}})"

HEADING_PATTERNS: dict[str, re.Pattern[str]] = {
    "volume": re.compile(rf"^{_MD_PREFIX}第(?P<num>{_NUM})编[\s\u3000]*(?P<title>[^。；;]{{0,40}})$"),
    "part": re.compile(rf"^{_MD_PREFIX}(?P<num>{CN_NUMERAL})、(?P<title>[^。；;]{{1,80}})$"),
    "chapter": re.compile(rf"^{_MD_PREFIX}第(?P<num>{_NUM})章[\s\u3000]*(?P<title>.*)$"),
    "section": re.compile(rf"^{_MD_PREFIX}第(?P<num>{_NUM})节[\s\u3000]*(?P<title>.*)$"),
    "article": re.compile(
        rf"^{_MD_PREFIX}(?P<label>第(?P<num>{_NUM})条(?:之(?P<sub>{CN_NUMERAL}))?)(?P<gap>[\s\u3000]*)(?P<body>.*)$"
    ),
    "cn_paren": re.compile(rf"^{_MD_PREFIX}(?P<label>[（(](?P<num>{CN_NUMERAL})[）)])[\s\u3000]*(?P<body>.*)$"),
    "arabic": re.compile(rf"^{_MD_PREFIX}(?P<label>(?P<num>\d{{1,3}})[.、．](?!\d))[\s\u3000]*(?P<body>\S.*)$"),
    "arabic_paren": re.compile(rf"^{_MD_PREFIX}(?P<label>[（(](?P<num>\d{{1,3}})[）)])[\s\u3000]*(?P<body>\S.*)$"),
    # 一、人民法院依法可以…。: a numbered paragraph that is a rule, not a part title (judicial interpretations).
    "cn_item": re.compile(rf"^(?P<label>(?P<num>{CN_NUMERAL})、)[\s\u3000]*(?P<body>\S.*)$"),
    "preamble": re.compile(r"^#{1,6}\s*(?P<title>序\s*言)$"),
    "heading": re.compile(r"^#{2,6}\s+(?P<title>\S.*)$"),
}
PART_KINDS = ("volume", "part", "chapter", "section", "preamble", "heading")
# Nesting of part headings: a heading closes every open heading of its level or deeper.
PART_LEVELS = {"volume": 0, "part": 1, "chapter": 1, "heading": 1, "preamble": 1, "section": 2}
# 第三十条的规定 / 第三十条、第三十一条: a reference to an article, not the start of one.
_REFERENCE_START = tuple("的、，,》）)及和或与至第")
# Precedence of clause-level markers: the highest present becomes the citable clause.
CLAUSE_KINDS = ("article", "cn_paren", "arabic", "arabic_paren", "cn_item")


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
    front: FrontMatter = field(default_factory=lambda: FrontMatter(title=None))
    lead: list[str] = field(default_factory=list)  # the first body paragraphs, where a 文号 may stand


def split_paragraphs(source: str, base: int = 0) -> list[Paragraph]:
    paragraphs = []
    offset = base
    for line in source.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        stripped = content.strip()
        if stripped.strip("#"):  # a bare "##" heading carries nothing
            start = offset + (len(content) - len(content.lstrip()))
            paragraphs.append(Paragraph(stripped, start, start + len(stripped)))
        offset += len(line)
    previous: Paragraph | None = None
    for paragraph in paragraphs:
        for kind, pattern in HEADING_PATTERNS.items():
            match = pattern.match(paragraph.text)
            if match and not (kind == "article" and _is_reference(match, previous)):
                paragraph.kind, paragraph.match = kind, match
                break
        previous = paragraph
    _demote_inline_parts(paragraphs)
    return paragraphs


def _is_reference(match: re.Match[str], previous: Paragraph | None) -> bool:
    """A 第X条 line that continues a cut note (《关于修改…第三十条⏎第三十一条的决定》) or cites an article."""
    if previous is not None and previous.kind is None and _unclosed(previous.text):
        return True
    return not match.group("gap") and match.group("body").startswith(_REFERENCE_START)


def _unclosed(text: str) -> bool:
    return any(text.count(a) > text.count(b) for a, b in ("《》", "<>", "（）", "()", "〈〉"))


def _demote_inline_parts(paragraphs: list[Paragraph]) -> None:
    """In a document of articles, 一、… lines ending in ： are items; with Markdown headings, only those are parts."""
    if not any(p.kind == "article" for p in paragraphs):
        return
    markdown = any(p.text.startswith("#") and p.kind in PART_KINDS for p in paragraphs)
    for paragraph in paragraphs:
        if paragraph.kind not in ("volume", "part", "chapter", "section"):
            continue
        if (markdown and not paragraph.text.startswith("#")) or paragraph.text.endswith(("：", ":")):
            paragraph.kind, paragraph.match = None, None


_NOTE_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_NOTE_VERBS = ("通过", "公布", "发布", "修正", "修订", "施行", "印发")
_MAX_NOTE_PARAGRAPHS = 12


def _leading_notes(body: list[Paragraph]) -> tuple[list[str], list[Paragraph]]:
    """（2007年3月16日…通过 … 第二次修正） under the title, and a 目录 line: metadata, not a preamble."""
    notes: list[str] = []
    index = 0
    while index < len(body) and body[index].kind is None:
        text = body[index].text
        if re.sub(r"\s+", "", text) == "目录":
            index += 1
            continue
        if not (text.startswith(("（", "(")) and _NOTE_DATE.search(text) and any(v in text for v in _NOTE_VERBS)):
            break
        end = index
        while not body[end].text.endswith(("）", ")")) and end + 1 < min(len(body), index + _MAX_NOTE_PARAGRAPHS):
            end += 1
        if not body[end].text.endswith(("）", ")")):
            break
        notes.extend(p.text.strip("（）()") for p in body[index : end + 1])
        index = end + 1
    return notes, body[index:]


def _without_repeated_title(body: list[Paragraph], title: str) -> list[Paragraph]:
    """The body may open by repeating the title, broken over lines; that is not a preamble."""
    wanted = re.sub(r"\s+", "", title)
    seen = ""
    for count, paragraph in enumerate(body[:4], start=1):
        if paragraph.kind is not None:
            break
        seen += re.sub(r"\s+", "", paragraph.text.lstrip("# "))
        if seen == wanted:
            return body[count:]
        if not wanted.startswith(seen):
            break
    return body


def _settle_numbered_paragraphs(body: list[Paragraph]) -> None:
    """一、…。 lines are clauses only where nothing else numbers the clauses; then 一、…： lines are clauses too."""
    if any(p.kind in CLAUSE_KINDS[:-1] for p in body):
        for paragraph in body:
            if paragraph.kind == "cn_item":
                paragraph.kind, paragraph.match = None, None
        return
    if not any(p.kind == "cn_item" for p in body):
        return
    for paragraph in body:
        text = paragraph.text
        if paragraph.kind == "part" and not text.startswith("#") and (text.endswith(("：", ":")) or "，" in text):
            match = re.match(rf"^(?P<label>(?P<num>{CN_NUMERAL})、)[\s\u3000]*(?P<body>.*)$", text)
            paragraph.kind, paragraph.match = "cn_item", match


def _title_of(paragraphs: list[Paragraph], fallback: str) -> tuple[str, list[Paragraph]]:
    if paragraphs:
        first = paragraphs[0]
        text = first.text
        if text.startswith("# ") and first.kind is None:
            return text[2:].strip(), paragraphs[1:]
        # A title ending in （试行） or （2020年版） ends in a closer, yet is no sentence.
        bracketed = text.endswith(("）", ")")) and not any(ch in text for ch in "。；;！？")
        if first.kind is None and (bracketed or not ends_paragraph(text)) and len(text) <= 80:
            return text.lstrip("# "), paragraphs[1:]
    return fallback, paragraphs


def _rejoin(paragraphs: list[Paragraph]) -> tuple[list[Block], list[int]]:
    blocks: list[Block] = []
    page_breaks: list[int] = []
    for paragraph in paragraphs:
        if blocks:
            previous = blocks[-1]
            tail = previous.paragraphs[-1]
            if (
                previous.head.kind not in PART_KINDS
                and paragraph.kind is None
                and not ends_paragraph(tail.text)
                and not _is_markup(tail.text)
                and not _is_markup(paragraph.text)
            ):
                previous.joins.append(len(previous.text))
                previous.paragraphs.append(paragraph)
                page_breaks.append(paragraph.start)
                continue
        blocks.append(Block([paragraph]))
    return blocks, page_breaks


def _is_markup(text: str) -> bool:
    """A Markdown table row or an HTML comment: a line of its own, never a paragraph cut by a page break."""
    return text.startswith(("|", "<!--")) or text.endswith(("|", "-->"))


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
    kind: ClauseKind = "item"


def parse_structure(source: str, fallback_title: str, short_title: str | None = None) -> ParsedStructure:
    """Clauses of a decoded document; offsets are into `source`. `short_title` overrides the label title."""
    front = split_front_matter(source)
    paragraphs = split_paragraphs(source[front.body_start :], base=front.body_start)
    if front.title:
        title, body = front.title, paragraphs
    else:
        title, body = _title_of(paragraphs, fallback_title)
        notes, body = _leading_notes(body)
        front = FrontMatter(title=None, lines=notes, body_start=front.body_start)
    short = short_title or short_title_of(title)
    body = _without_repeated_title(body, title)
    _settle_numbered_paragraphs(body)
    blocks, page_breaks = _rejoin(body)
    kinds = {b.head.kind for b in blocks}
    clause_kind = next((k for k in CLAUSE_KINDS if k in kinds), None)

    drafts: list[_Draft] = []
    # (level, heading) of the enclosing 编 / 章 / 节; a file holding one 编 of a code names it above all of them.
    open_parts: list[tuple[int, str]] = [(-1, front.volume)] if front.volume else []
    part = front.volume or ""
    part_name = ""  # the part's title without its numeral
    current: _Draft | None = None
    for block in blocks:
        kind, match = block.head.kind, block.head.match
        if kind in PART_KINDS and match is not None:
            level = PART_LEVELS[kind]
            open_parts = [(lv, text) for lv, text in open_parts if lv < level]
            if kind != "preamble":
                open_parts.append((level, re.sub(r"^#{1,6}\s*", "", block.text)))
            part = " / ".join(text for _, text in open_parts)
            part_name = "" if kind == "preamble" else match.group("title").strip() or block.text
            current = None
            continue
        if clause_kind is not None and kind == clause_kind and match is not None:
            current = _clause_draft(clause_kind, match, part, block)
            drafts.append(current)
            continue
        if current is not None and current.part == part:
            current.blocks.append(block)
            continue
        name = part_name or "序言"
        if drafts and drafts[-1].part == part and drafts[-1].number is None and drafts[-1].clause == name:
            drafts[-1].blocks.append(block)
            continue
        current = None
        drafts.append(_Draft(name, part, name, "", None, [block], "part_body" if part_name else "preamble"))

    _split_closing(drafts, clause_kind)
    _qualify_duplicates(drafts)
    clauses = [_to_clause(d, i, title, short, part_prefix_of(d.part)) for i, d in enumerate(drafts)]
    lead = [p.text for p in body[:4]]
    return ParsedStructure(title, short, clauses, page_breaks, front, lead)


def _clause_draft(clause_kind: str, match: re.Match[str], part: str, block: Block) -> _Draft:
    body_text = match.group("body")
    first = split_sentences(body_text)
    first_sentence = first[0].text if first else body_text
    heading = match.group("label") + first_sentence
    numeral = match.group("num")
    kind: ClauseKind = "item"
    if clause_kind == "cn_paren":
        name, tail = numeral, f"（{numeral}）{_strip_end(first_sentence)}"
    elif clause_kind == "article":
        # 第十七条之一 is an article of its own, cited as such; its number is that of 第十七条.
        name, tail, kind = match.group("label"), match.group("label"), "article"
    elif clause_kind == "cn_item":
        # Cited like an article: 《…规定》第一条. Its first sentence is the rule, as in an article.
        name = tail = f"第{numeral}条"
        kind = "article"
    elif clause_kind == "arabic":
        name, tail = numeral, f"{numeral}. {_strip_end(first_sentence)}"
    else:
        name, tail = f"({numeral})", f"（{numeral}）{_strip_end(first_sentence)}"
    return _Draft(name, part, heading, tail, _number(numeral), [block], kind)


def part_prefix_of(part: str) -> str:
    """一、 or 第二章 for a part (the first 一、/章 level under any 编), else empty."""
    for component in part.split(" / ") if part else []:
        for kind in ("part", "chapter"):
            match = HEADING_PATTERNS[kind].match(component)
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
        drafts.append(_Draft("结语", "", "结语", "", None, closing, "closing"))


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
        label=clause_label(short, tail),
        order=order,
        number=draft.number,
        start=draft.blocks[0].head.start,
        end=draft.blocks[-1].paragraphs[-1].end,
        text="".join(texts),
        joins=joins,
        sentences=sentences,
        kind=draft.kind,
    )
