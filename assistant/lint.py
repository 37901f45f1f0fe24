"""Report what a careful reader would flag in a document, without altering its text."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import defaultdict
from pathlib import Path

from assistant.chinese import int_to_cn, match_key
from assistant.types import Clause, Document, LintFinding
from assistant.typos import Typo, likely_typos

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
# A Latin word with Chinese on both sides (within a space): `服务模式 and 物流大通道`.
_LATIN_IN_CJK = re.compile(rf"(?<=[{_CJK}])\s*(?P<word>[A-Za-z]+(?:\s+[A-Za-z]+)*)\s*(?=[{_CJK}])")
_EXCERPT = 12
_ROMAN = re.compile(r"[IVXLC]+")
# The number an article or numbered paragraph starts with: 第十七条之一, 一、.
_ARTICLE_LABEL = re.compile(
    r"^(?:#{1,6}\s*)?(?:第[^条\s]{1,8}条(?:之[零一二三四五六七八九十百]+)?|[零一二三四五六七八九十百]+、)"
)


def _excerpt(text: str, start: int, end: int) -> str:
    return text[max(0, start - _EXCERPT) : end + _EXCERPT].replace("\n", "⏎")


def lint_document(document: Document) -> list[LintFinding]:
    findings: list[LintFinding] = []
    findings += _numbering(document)
    findings += _page_breaks(document)
    findings += _latin(document)
    findings += _empty_and_duplicate(document)
    findings += _typos(document)
    return sorted(findings, key=lambda f: (f.offset if f.offset is not None else -1, f.kind))


def lint_corpus(documents: list[Document]) -> dict[str, list[LintFinding]]:
    """Every document's findings, plus the same document present twice under two names."""
    findings = {d.doc_id: lint_document(d) for d in documents}
    for doc_id, finding in _duplicate_documents(documents):
        findings[doc_id].append(finding)
    return findings


def _duplicate_documents(documents: list[Document]) -> list[tuple[str, LintFinding]]:
    first: dict[str, Document] = {}
    found = []
    for document in documents:
        text_key = hashlib.sha256(match_key(document.source_text).encode()).hexdigest()
        earlier = first.get(document.sha256) or first.get(text_key)
        if earlier is None:
            first.setdefault(document.sha256, document)
            first.setdefault(text_key, document)
            continue
        same = "文件完全相同" if earlier.sha256 == document.sha256 else "正文完全相同"
        message = (
            f"与“{Path(earlier.path).name}”（{earlier.doc_id}）{same}，同一文档被索引了两次，"
            "检索结果会出现重复，建议删除其中一个文件。"
        )
        found.append(
            (
                document.doc_id,
                LintFinding(
                    doc_id=document.doc_id,
                    kind="duplicate_document",
                    severity="warning",
                    clause=None,
                    offset=None,
                    message=message,
                    excerpt=document.title,
                ),
            )
        )
    return found


def _numbering(document: Document) -> list[LintFinding]:
    findings = []
    by_part: dict[str, list] = defaultdict(list)
    # 第十七条之一 follows 第十七条 and shares its number.
    numbered = [c for c in document.clauses if c.number is not None and "条之" not in c.clause]
    # （一）-style and 第X条 numbering runs through the whole document; 1. restarts per part.
    restart_per_part = any(c.clause.split(".")[-1].isdigit() for c in numbered)
    for clause in numbered:
        by_part[clause.part if restart_per_part else ""].append(clause)
    for clauses in by_part.values():
        for before, after in itertools.pairwise(clauses):
            assert before.number is not None and after.number is not None
            if after.number == before.number:
                findings.append(
                    LintFinding(
                        doc_id=document.doc_id,
                        kind="duplicate_number",
                        severity="warning",
                        clause=after.clause,
                        offset=after.start,
                        message=f"编号重复：{_cited(after)}出现了两次。",
                        excerpt=after.heading,
                    )
                )
            elif after.number > before.number + 1:
                missing = "、".join(_missing(n, after) for n in range(before.number + 1, after.number))
                findings.append(
                    LintFinding(
                        doc_id=document.doc_id,
                        kind="numbering_gap",
                        severity="warning",
                        clause=after.clause,
                        offset=after.start,
                        message=(
                            f"编号不连续：{_named(before)}之后是{_named(after)}，缺少{missing}。"
                            f"缺失条目的标题可能在原文中遗漏，其内容可能并入了{_named(before)}。"
                        ),
                        excerpt=after.heading,
                    )
                )
    return findings


def _numeral(number: int, like: str) -> str:
    return str(number) if like[-1:].isdigit() else int_to_cn(number)


def _named(clause: Clause) -> str:
    return clause.clause if clause.is_article else f"（{clause.clause}）"


def _cited(clause: Clause) -> str:
    return clause.clause if clause.is_article else f"第（{clause.clause}）条"


def _missing(number: int, like: Clause) -> str:
    return f"第{int_to_cn(number)}条" if like.is_article else f"（{_numeral(number, like.clause)}）"


def _body(clause: Clause) -> str:
    """The text after the clause's number (articles) or heading (numbered directive clauses)."""
    if clause.is_article:
        return _ARTICLE_LABEL.sub("", clause.text, count=1)
    return clause.text[len(clause.heading) :] if clause.number is not None else clause.text


def _page_breaks(document: Document) -> list[LintFinding]:
    source = document.source_text
    findings = []
    for offset in document.page_breaks:
        before = source[:offset].rstrip()
        clause = next((c.clause for c in document.clauses if c.start <= offset <= c.end), None)
        findings.append(
            LintFinding(
                doc_id=document.doc_id,
                kind="page_break_join",
                severity="info",
                clause=clause,
                offset=offset,
                message=f"段落在“{before[-6:]}”处被分页截断，已与下一段“{_first_line(source, offset)}”拼接。",
                excerpt=_excerpt(source, len(before), offset),
            )
        )
    return findings


def _first_line(source: str, offset: int, width: int = 6) -> str:
    return source[offset : offset + width].split("\n")[0]


def _latin(document: Document) -> list[LintFinding]:
    source = document.source_text
    findings = []
    for match in _LATIN_IN_CJK.finditer(source):
        word = match.group("word")
        if _ROMAN.fullmatch(word):
            continue  # 心功能IV级: a Roman numeral, not a stray word
        clause = next((c.clause for c in document.clauses if c.start <= match.start() < c.end), None)
        findings.append(
            LintFinding(
                doc_id=document.doc_id,
                kind="latin_in_chinese",
                severity="warning",
                clause=clause,
                offset=match.start("word"),
                message=f"中文正文中出现英文单词“{word}”，可能是录入或转换错误，请核对原件。",
                excerpt=_excerpt(source, match.start("word"), match.end("word")),
            )
        )
    return findings


def _empty_and_duplicate(document: Document) -> list[LintFinding]:
    findings = []
    seen: dict[str, str] = {}
    for clause in document.clauses:
        body = _body(clause)
        # A one-sentence item that reads as a rule (it has a comma) is complete; a bare title is not.
        titled = clause.is_article or not any(mark in clause.heading for mark in "，,；;")
        if not match_key(body):
            if not titled:
                continue
            findings.append(
                LintFinding(
                    doc_id=document.doc_id,
                    kind="empty_clause",
                    severity="warning",
                    clause=clause.clause,
                    offset=clause.start,
                    message=f"{clause.clause}只有编号，没有正文。"
                    if clause.is_article
                    else f"条目（{clause.clause}）只有标题，没有正文。",
                    excerpt=clause.heading,
                )
            )
            continue
        key = match_key(body)
        if key in seen:
            findings.append(
                LintFinding(
                    doc_id=document.doc_id,
                    kind="duplicate_clause",
                    severity="warning",
                    clause=clause.clause,
                    offset=clause.start,
                    message=f"{_named(clause)}的正文与{seen[key]}完全相同。"
                    if clause.is_article
                    else f"条目（{clause.clause}）的正文与（{seen[key]}）完全相同。",
                    excerpt=clause.heading,
                )
            )
        else:
            seen[key] = clause.clause
    return findings


def _typo_evidence(typo: Typo) -> str:
    if typo.by_dictionary:
        return f"“{typo.written}”不成词，“{typo.meant}”是常用词"
    return f"本文其他地方写作“{typo.meant}”"


def _typos(document: Document) -> list[LintFinding]:
    """A character conversion often misreads, where the document spells the word right elsewhere (西卜/西部) or the
    dictionary knows only the other word (扛杆/杠杆)."""
    source = document.source_text
    findings = []
    for typo in likely_typos(source):
        clause = next((c.clause for c in document.clauses if c.start <= typo.offset < c.end), None)
        findings.append(
            LintFinding(
                doc_id=document.doc_id,
                kind="likely_typo",
                severity="warning",
                clause=clause,
                offset=typo.offset,
                message=f"“{typo.written}”可能是“{typo.meant}”的录入或转换错误（{_typo_evidence(typo)}），请核对原件。",
                excerpt=_excerpt(source, typo.offset, typo.offset + 1),
            )
        )
    return findings
