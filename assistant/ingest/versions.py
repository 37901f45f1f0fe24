"""Versions of one document: same title, different version dates. The newest is in force (现行)."""

from __future__ import annotations

import re
from collections import defaultdict

from assistant.ingest.labels import label_rules
from assistant.types import Document


def _date_key(document: Document) -> str:
    return document.version_date or ""


def mark_versions(documents: list[Document]) -> list[Document]:
    """Every document but the newest of its title gets in_force=False; order and ids are kept."""
    newest: dict[str, Document] = {}
    for document in documents:
        best = newest.get(document.title)
        if best is None or _date_key(document) > _date_key(best):
            newest[document.title] = document
    # Unchanged documents stay the same objects, so an update can tell what it has to rewrite.
    return [
        d if d.in_force == (newest[d.title] is d) else d.model_copy(update={"in_force": newest[d.title] is d})
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
