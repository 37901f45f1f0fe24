"""Which clauses a quiz draws from: whole documents, parts (二) or clauses (十七,十八).

A bare numeral names a part when the document has a part with that number, otherwise a clause;
（二） or 第二条 always names clause (二), and 二、 or 第二部分 always names part 二.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.chinese import CN_NUMERAL
from assistant.errors import UserError
from assistant.types import Clause, Document

_SEPARATORS = re.compile(r"[,，、;；\s]+")
_PART_NUMBER = re.compile(rf"^({CN_NUMERAL})、")
_EXPLICIT_PART = re.compile(rf"^(?:第({CN_NUMERAL})部分|({CN_NUMERAL})、|part:(\S+))$")
_EXPLICIT_CLAUSE = re.compile(rf"^(?:[（(]({CN_NUMERAL})[)）]|第({CN_NUMERAL})条|clause:(\S+))$")
WHOLE = ("", "全部", "全文", "all")


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
        found, name = _resolve_token(token, documents)
        if not found:
            raise UserError(
                f"范围中的“{token}”既不是文档中的部分，也不是条款编号。"
                "请写部分编号（如 二）或条款编号（如 十七,十八；用（二）表示第（二）条）。"
            )
        for clause in found:
            chosen.setdefault(clause.key, clause)
        names.append(name)
    order = {c.key: i for i, c in enumerate(c for d in documents for c in d.clauses)}
    clauses = sorted(chosen.values(), key=lambda c: order[c.key])
    return Scope(clauses, f"{'、'.join(names)}（{len(clauses)} 个条款）")


def _resolve_token(token: str, documents: list[Document]) -> tuple[list[Clause], str]:
    explicit_part = _EXPLICIT_PART.match(token)
    explicit_clause = _EXPLICIT_CLAUSE.match(token)
    if explicit_part:
        return _part(next(g for g in explicit_part.groups() if g), documents)
    if explicit_clause:
        return _clause(next(g for g in explicit_clause.groups() if g), documents)
    if re.fullmatch(CN_NUMERAL, token):
        found, name = _part(token, documents)
        if found:
            return found, name
    return _clause(token, documents)


def _part(number: str, documents: list[Document]) -> tuple[list[Clause], str]:
    clauses = [c for d in documents for c in d.clauses if part_number(c) == number]
    title = clauses[0].part.split("、", 1)[-1] if clauses else number
    return clauses, f"第{number}部分“{title}”" if clauses else number


def _clause(name: str, documents: list[Document]) -> tuple[list[Clause], str]:
    clauses = [c for d in documents for c in d.clauses if c.clause == name]
    if not clauses:
        return [], name
    return clauses, f"第（{name}）条" if re.fullmatch(CN_NUMERAL, name) else f"“{name}”"
