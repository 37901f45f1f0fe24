"""Which clauses a quiz draws from: whole documents, documents by title, parts, chapters, clauses and ranges.

Accepted, separated by commas or spaces (each may be preceded by a document title in 《》):
- empty, 全部, 全文: every clause of the chosen documents;
- a document's title, short title or alias (优化营商环境条例, 《指导意见》): that document;
- 第二章: chapter 二 of a statute; 第二部分, 二、 or a bare 二: part 二 of a policy document;
- 第三条 / 第3条: the statute's article or the policy document's clause (三); （二） always names clause (二);
- 第三条至第五条, 第3-5条, 三至五: every clause from the first to the last, in document order;
- 十七 or any clause name (总体要求, 序言).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.chinese import CN_NUMERAL, cn_to_int, int_to_cn
from assistant.errors import UserError
from assistant.types import Clause, Document

_SEPARATORS = re.compile(r"[,，、;；\s]+")
_NUMBER = rf"(?:{CN_NUMERAL}|\d{{1,3}})"
_PART_NUMBER = re.compile(rf"^({CN_NUMERAL})、")
_EXPLICIT_PART = re.compile(rf"^(?:第({_NUMBER})部分|({CN_NUMERAL})、|part:(\S+))$")
_CHAPTER = re.compile(rf"^第({_NUMBER})章$")
_EXPLICIT_CLAUSE = re.compile(rf"^(?:[（(]({_NUMBER})[)）]|第({_NUMBER})条|clause:(\S+))$")
_RANGE = re.compile(rf"^第?({_NUMBER})条?\s*(?:至|到|-|—|－|~|～)\s*第?({_NUMBER})条?$")
_TITLED = re.compile(r"^《([^》]+)》(.*)$")
WHOLE = ("", "全部", "全文", "all")
HELP = (
    "请写文档标题（如 优化营商环境条例）、部分（如 二）、章（如 第二章）、条款（如 第三条、十七）"
    "或范围（如 第三条至第五条），多个用逗号分隔。"
)


@dataclass(frozen=True)
class Scope:
    clauses: list[Clause]
    description: str


def part_number(clause: Clause) -> str | None:
    match = _PART_NUMBER.match(clause.part)
    return match.group(1) if match else None


def part_titles(document: Document) -> dict[str, str]:
    """Part number → part heading, in document order."""
    titles: dict[str, str] = {}
    for clause in document.clauses:
        number = part_number(clause)
        if number and number not in titles:
            titles[number] = clause.part
    return titles


def _cn(number: str) -> str:
    """3 → 三; Chinese numerals unchanged."""
    return int_to_cn(int(number)) if number.isdigit() else number


def resolve_scope(spec: str, documents: list[Document]) -> Scope:
    """The clauses a scope names in the given documents; raises UserError naming what was not found."""
    if not documents:
        raise UserError("没有可出题的文档，请先建立索引。")
    spec = spec.strip()
    if spec.lower() in WHOLE:
        clauses = [c for d in documents for c in d.clauses]
        titles = "、".join(f"《{d.short_title}》" for d in documents)
        return Scope(clauses, f"{titles}全文（{len(clauses)} 个条款）")
    chosen: dict[str, Clause] = {}
    names: list[str] = []
    for token in (t for t in _SEPARATORS.split(spec) if t):
        found, name = _resolve_titled(token, documents)
        if not found:
            raise UserError(f"范围中的“{token}”不是文档中的文档标题、部分、章或条款。{HELP}")
        for clause in found:
            chosen.setdefault(clause.key, clause)
        names.append(name)
    order = {c.key: i for i, c in enumerate(c for d in documents for c in d.clauses)}
    clauses = sorted(chosen.values(), key=lambda c: order[c.key])
    return Scope(clauses, f"{'、'.join(names)}（{len(clauses)} 个条款）")


def _document(name: str, documents: list[Document]) -> Document | None:
    name = name.strip("《》")
    for document in documents:
        if name in (document.title, document.short_title, document.doc_id, *document.aliases):
            return document
    return None


def _resolve_titled(token: str, documents: list[Document]) -> tuple[list[Clause], str]:
    """A token, optionally after a document title: 《优化营商环境条例》第三条 names that law's article only."""
    whole = _document(token, documents)
    if whole is not None:
        return list(whole.clauses), f"《{whole.short_title}》全文"
    titled = _TITLED.match(token)
    if titled:
        document = _document(titled.group(1), documents)
        if document is None:
            return [], token
        found, name = _resolve_token(titled.group(2), [document])
        return found, f"《{document.short_title}》{name}"
    return _resolve_token(token, documents)


def _resolve_token(token: str, documents: list[Document]) -> tuple[list[Clause], str]:
    if (explicit_part := _EXPLICIT_PART.match(token)) is not None:
        return _part(_cn(next(g for g in explicit_part.groups() if g)), documents)
    if (chapter := _CHAPTER.match(token)) is not None:
        return _chapter(_cn(chapter.group(1)), documents)
    if (explicit_clause := _EXPLICIT_CLAUSE.match(token)) is not None:
        name = _cn(next(g for g in explicit_clause.groups() if g))
        if token[0] in "（(":  # （二） is a policy document's clause, never a statute's 第二条
            clauses = [c for d in documents for c in d.clauses if c.clause == name]
            return clauses, f"第（{name}）条"
        return _clause(name, documents)
    if (span := _RANGE.match(token)) is not None:
        return _range(_cn(span.group(1)), _cn(span.group(2)), documents)
    if re.fullmatch(CN_NUMERAL, token):
        found, name = _part(token, documents)
        if found:
            return found, name
    return _clause(token, documents)


def _part(number: str, documents: list[Document]) -> tuple[list[Clause], str]:
    clauses = [c for d in documents for c in d.clauses if part_number(c) == number]
    title = clauses[0].part.split("、", 1)[-1] if clauses else number
    return clauses, f"第{number}部分“{title}”" if clauses else number


def _chapter(number: str, documents: list[Document]) -> tuple[list[Clause], str]:
    prefix = f"第{number}章"
    clauses = [c for d in documents for c in d.clauses if c.part.startswith(prefix)]
    return clauses, clauses[0].part if clauses else prefix


def _named(name: str, documents: list[Document]) -> list[Clause]:
    """Clauses called name: 三 is clause (三) of a policy document and 第三条 of a statute."""
    names = {name, f"第{name}条"} if re.fullmatch(CN_NUMERAL, name) else {name}
    return [c for d in documents for c in d.clauses if c.clause in names]


def _clause(name: str, documents: list[Document]) -> tuple[list[Clause], str]:
    clauses = _named(name, documents)
    if not clauses:
        return [], name
    if clauses[0].clause.startswith("第"):
        return clauses, clauses[0].clause
    return clauses, f"第（{name}）条" if re.fullmatch(CN_NUMERAL, name) else f"“{name}”"


def _range(first: str, last: str, documents: list[Document]) -> tuple[list[Clause], str]:
    """Every numbered clause from first to last (by number), in each document that has both ends."""
    if not (re.fullmatch(CN_NUMERAL, first) and re.fullmatch(CN_NUMERAL, last)):
        return [], f"{first}至{last}"
    low, high = sorted((cn_to_int(first), cn_to_int(last)))
    clauses = []
    for document in documents:
        numbered = [c for c in document.clauses if c.number is not None and low <= c.number <= high]
        if any(c.number == low for c in numbered) and any(c.number == high for c in numbered):
            clauses += numbered
    if not clauses:
        return [], f"{first}至{last}"
    style = "第{}条" if clauses[0].clause.startswith("第") else "（{}）"
    return clauses, f"{style.format(int_to_cn(low))}至{style.format(int_to_cn(high))}"
