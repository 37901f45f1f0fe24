"""How Chinese legal writing names a document and its clauses: 《中华人民共和国社会保险法》第十六条, 《社会保险法》第十六条.

Book-title marks inside a title become 〈〉 (never 《》 inside 《》); a short title must be unique in its corpus,
otherwise the full title is used; statutes 规定, policy documents 提出. Rules and word lists: data/labels.toml.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.types import Clause, Document

LABELS_FILE = Path(__file__).with_name("data") / "labels.toml"
_INNER_MARKS = str.maketrans({"《": "〈", "》": "〉", "<": "〈", ">": "〉", "＜": "〈", "＞": "〉"})


@dataclass(frozen=True)
class LabelRules:
    short_types: tuple[str, ...]
    country_prefix: str
    prefix_kinds: frozenset[str]
    verbs: dict[str, str]


@lru_cache(maxsize=1)
def label_rules() -> LabelRules:
    data = tomllib.loads(LABELS_FILE.read_text("utf-8"))
    # Longest first, so 指导意见 wins over 意见.
    types = tuple(sorted(data["short_types"], key=len, reverse=True))
    return LabelRules(types, data["country_prefix"], frozenset(data["prefix_kinds"]), dict(data["verbs"]))


def title_in_marks(title: str) -> str:
    """The title as it stands inside 《》: inner 《》 and <> become 〈〉."""
    return title.translate(_INNER_MARKS)


def short_title_of(title: str, kind: str = "") -> str:
    """关于…的指导意见 → 指导意见; 中华人民共和国社会保险法 → 社会保险法; other titles stay whole."""
    rules = label_rules()
    match = re.search(r"关于.+的(?P<type>[^的]{2,12})$", title)
    if match and match["type"] in rules.short_types:
        return match["type"]
    is_statute = kind in rules.prefix_kinds or (not kind and re.search(r"(?<![办方])法$", title))
    if is_statute and title.startswith(rules.country_prefix) and len(title) > len(rules.country_prefix) + 1:
        return title[len(rules.country_prefix) :]
    return title


def aliases_of(title: str, short_title: str) -> list[str]:
    """Other names a user may type: without 中华人民共和国, without the issuing body before 关于, without （试行）."""
    rules = label_rules()
    forms = [title.removeprefix(rules.country_prefix)]
    about = re.match(r"^[^关]{2,40}?关于(?P<rest>.{4,})$", title)
    if about:
        forms.append(about["rest"])
    forms += [re.sub(r"（(试行|暂行)）$", "", form) for form in list(forms)]
    return [f for f in dict.fromkeys(forms) if f and f not in (title, short_title)]


def statute_verb(kind: str) -> str:
    """规定 for laws, regulations, rules and judicial interpretations; 提出 for 意见, 规划, 通知 …."""
    verbs = label_rules().verbs
    return verbs.get(kind, verbs["default"])


def label_tail(clause: Clause) -> str:
    """The part of a label after the title: 第十六条, 二、（三）推动…, 序言."""
    return clause.label.split("》", 1)[1] if clause.label.startswith("《") else clause.label


def clause_label(title: str, tail: str) -> str:
    return f"《{title_in_marks(title)}》{tail}"


def full_label(document: Document, clause: Clause) -> str:
    """《中华人民共和国社会保险法》第十六条 — the form for a first mention or a formal citation."""
    return clause_label(document.title, label_tail(clause))


def short_label(document: Document, clause: Clause) -> str:
    """《社会保险法》第十六条 — Clause.label holds this form."""
    return clause_label(document.short_title, label_tail(clause))


def relabel(document: Document, short_title: str) -> Document:
    """The document with a new short title, its clause labels rewritten to match."""
    if short_title == document.short_title and all(c.label == short_label(document, c) for c in document.clauses):
        return document
    clauses = [c.model_copy(update={"label": clause_label(short_title, label_tail(c))}) for c in document.clauses]
    return document.model_copy(update={"short_title": short_title, "clauses": clauses})


def unique_short_titles(documents: list[Document]) -> list[Document]:
    """A short title shared by documents of different titles is ambiguous (two 《解释》): those use full titles.

    Versions of one document (same title) share their short title.
    """
    titles: dict[str, set[str]] = defaultdict(set)
    for document in documents:
        titles[document.short_title].add(document.title)
    return [
        relabel(d, d.title) if len(titles[d.short_title]) > 1 and d.short_title != d.title else d for d in documents
    ]
