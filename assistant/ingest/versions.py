"""Versions of one document: same title, different version dates, the same articles. The newest is in force (现行)."""

from __future__ import annotations

import re
from collections import defaultdict

from assistant.ingest.labels import label_rules
from assistant.types import Document, DocumentHeader


def _date_key(document: Document) -> str:
    return document.version_date or ""


def _article_numbers(document: Document | DocumentHeader) -> frozenset[str]:
    return frozenset(c.clause for c in document.clauses if c.is_article)


def same_text(
    a: Document | DocumentHeader, b: Document | DocumentHeader, numbers: dict[str, frozenset[str]] | None = None
) -> bool:
    """Versions of one text share article numbers; the files of one code split by 编 (民法典's 合同编.md,
    物权编.md …) share a title but not a single article, and are all in force."""
    first = numbers[a.doc_id] if numbers else _article_numbers(a)
    second = numbers[b.doc_id] if numbers else _article_numbers(b)
    return not first or not second or bool(first & second)


def mark_versions(documents: list[Document]) -> list[Document]:
    """A document is in force unless a newer version of its text stands beside it (same title, shared article
    numbers; on equal dates the first listed wins). Order and ids are kept."""
    groups: dict[str, list[Document]] = defaultdict(list)
    for document in documents:
        groups[document.title].append(document)
    numbers = {d.doc_id: _article_numbers(d) for d in documents}
    position = {d.doc_id: n for n, d in enumerate(documents)}

    def newer(other: Document, document: Document) -> bool:
        if _date_key(other) != _date_key(document):
            return _date_key(other) > _date_key(document)
        return position[other.doc_id] < position[document.doc_id]

    in_force = {
        d.doc_id: not any(o is not d and newer(o, d) and same_text(o, d, numbers) for o in groups[d.title])
        for d in documents
    }
    # Unchanged documents stay the same objects, so an update can tell what it has to rewrite.
    return [
        d if d.in_force == in_force[d.doc_id] else d.model_copy(update={"in_force": in_force[d.doc_id]})
        for d in documents
    ]


def versions_of(documents: list[Document], name: str) -> list[Document]:
    """All versions of the document called `name` (full title, short title or alias), oldest first."""
    wanted = _names(name)
    by_title: dict[str, list[Document]] = defaultdict(list)
    for document in documents:
        by_title[document.title].append(document)
    for group in by_title.values():
        if wanted & {n for d in group for n in _document_names(d)}:
            return sorted(group, key=_date_key)
    return []


def find_version(documents: list[Document], name: str, year: int | None = None) -> Document | None:
    """The version a user means: the one in force by default, else the version of that year.

    With a year: the version dated in that year, else the newest one dated before it (in force then),
    else the oldest. 2016年版《对外贸易法》 → find_version(docs, "对外贸易法", 2016).
    """
    versions = versions_of(documents, name)
    if not versions:
        return None
    if year is None:
        return next((d for d in reversed(versions) if d.in_force), versions[-1])
    dated = [(int(d.version_date[:4]), d) for d in versions if d.version_date]
    same_year = [d for y, d in dated if y == year]
    if same_year:
        return same_year[-1]
    earlier = [d for y, d in dated if y < year]
    return earlier[-1] if earlier else versions[0]


_MENTION = re.compile(r"(?:(?P<year>\d{4})\s*年\s*(?:版|修正|修订|修改)?(?:的)?\s*)?《(?P<name>[^《》]{2,80})》")


def version_mentions(text: str) -> list[tuple[str, int | None]]:
    """(name, year) for each 《…》 in a question: 2016年版《对外贸易法》 → ("对外贸易法", 2016)."""
    return [(m["name"], int(m["year"]) if m["year"] else None) for m in _MENTION.finditer(text)]


def _names(name: str) -> set[str]:
    cleaned = name.strip().strip("《》〈〉 ")
    prefix = label_rules().country_prefix
    return {cleaned, cleaned.removeprefix(prefix), prefix + cleaned}


def _document_names(document: Document) -> set[str]:
    names = {document.title, document.short_title, *document.aliases}
    return names | {n.removeprefix(label_rules().country_prefix) for n in names}
