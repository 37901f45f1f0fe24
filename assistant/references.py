"""Documents and articles a question names: 《X》第N条, X第N条, 2016年版《X》, or 第N条 alone within a scope."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from assistant.answer.wordlists import table
from assistant.chinese import cn_to_int
from assistant.ingest.versions import same_text
from assistant.types import Clause, ClauseOutline, Document, DocumentHeader, clause_key

_NUM = r"[零〇一二两三四五六七八九十百千\d]+"
ARTICLE = re.compile(rf"第[（(]?(?P<num>{_NUM})[）)]?条(?:之(?P<sub>{_NUM}))?")
_YEAR_BEFORE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年(?:版|修订版?|修正版?|修改版?)?(?:的|之)?\s*《?$")
_YEAR_AFTER = re.compile(r"^》?\s*[（(](?P<year>(?:19|20)\d{2})\s*年?(?:版|修订|修正|修改)?[）)]")
_BETWEEN = re.compile(r"^》?\s*(?:[（(](?:19|20)\d{2}\s*年?[^）)]{0,4}[）)])?\s*(?:的|中|里|中的|规定的)?\s*$")
_STATE_PREFIX = "中华人民共和国"
MIN_NAME_CHARS = 3  # 法, 条例, 意见 alone name no document

Named = Document | DocumentHeader
"""A whole document or its header: names, versions and article numbers are in both."""
D = TypeVar("D", bound=Document | DocumentHeader)


def numeral(text: str) -> int:
    """十六 or 16 → 16."""
    return int(text) if text.isdigit() else cn_to_int(text)


def cn_numeral(value: int) -> str:
    """16 → 十六, 120 → 一百二十, 1260 → 一千二百六十, the way article numbers are written."""
    if not 0 < value < 10000:
        raise ValueError(value)
    digits = "零一二三四五六七八九"
    out, pending_zero = "", False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, value = divmod(value, unit_value)
        if digit:
            if pending_zero:
                out += "零"
            out += ("" if unit == "十" and digit == 1 and not out else digits[digit]) + unit
            pending_zero = False
        elif out:
            pending_zero = True
    return out


def article_name(number: int, sub: int | None = None) -> str:
    """The clause name of a 第X条: 第十六条, 第一百二十条之一."""
    return f"第{cn_numeral(number)}条" + (f"之{cn_numeral(sub)}" if sub else "")


@dataclass(frozen=True)
class Mention:
    """A document named in the question, with the documents (versions) it may mean."""

    name: str
    start: int
    end: int
    doc_ids: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """What a question names: its documents (the right version chosen) and exact articles, best first."""

    doc_ids: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()  # clause keys
    focus: str = ""  # the question without the document names: what it asks inside those documents

    @property
    def names_documents(self) -> bool:
        return bool(self.doc_ids)


_INNER_MARKS = str.maketrans({"〈": "《", "〉": "》"})


def document_names(document: Named) -> set[str]:
    """Full title, short title, aliases; each also without 中华人民共和国 and with its inner title marks
    written 《》, 〈〉 or left out (最高人民法院关于适用外商投资法若干问题的解释)."""
    names = {document.title, document.short_title, *document.aliases}
    names |= {n.replace(_STATE_PREFIX, "") for n in list(names)}
    names |= {n.translate(_INNER_MARKS) for n in list(names)}
    names |= {n.replace("《", "〈").replace("》", "〉") for n in list(names)}
    names |= {re.sub(r"[《》〈〉]", "", n) for n in list(names)}
    return {n.strip("《》 ") for n in names if len(n.strip("《》 ")) >= MIN_NAME_CHARS}


_PATH_DATE = re.compile(r"((?:19|20)\d{2}-\d{2}-\d{2})")


def version_date(document: Named) -> str:
    """The version date; the date in the file name (烟叶税法(2017-12-27).md) when the parser gave none."""
    if document.version_date:
        return document.version_date
    found = _PATH_DATE.findall(document.path.rsplit("/", 1)[-1])
    return found[-1] if found else ""


def current_versions(documents: Iterable[D]) -> list[D]:
    """Per title, the version in force; where several claim it, the newest version date. A code that comes as
    one file per 编 has several documents in force."""
    groups: dict[str, list[D]] = {}
    for document in documents:
        groups.setdefault(document.title, []).append(document)
    chosen: list[D] = []
    for versions in groups.values():
        live = [d for d in versions if d.in_force] or versions
        chosen += [d for d in live if not any(version_date(o) > version_date(d) and same_text(o, d) for o in live)]
    return chosen


def version_of_year(documents: Sequence[D], year: int) -> list[D]:
    """The version of that year, else the latest one before it, else all of them."""
    dated = [(version_date(d), d) for d in documents]
    exact = [d for date, d in dated if date[:4] == str(year)]
    if exact:
        return exact
    before = sorted((date, d.doc_id) for date, d in dated if date and date[:4] < str(year))
    if before:
        return [d for date, d in dated if date == before[-1][0]]
    return list(documents)


def _type_word_owners(documents: Sequence[Named]) -> dict[str, str]:
    """意见 → the one current document whose title ends with 意见 (none when two do)."""
    owners: dict[str, list[str]] = {}
    for word in table("document_type_words.toml")["words"]:
        for document in documents:
            if document.title.endswith(word) or document.short_title.endswith(word):
                owners.setdefault(word, []).append(document.doc_id)
    return {word: ids[0] for word, ids in owners.items() if len(ids) == 1}


def _type_word_mentions(question: str, owners: dict[str, str]) -> list[tuple[str, int, int]]:
    """(word, start, end) where a bare 意见 stands as a document name: first, after 按照/根据/punctuation,
    and followed by 中/对/提出…."""
    data = table("document_type_words.toml")
    found = []
    for word in owners:
        for match in re.finditer(re.escape(word), question):
            head, tail = question[: match.start()], question[match.end() :]
            placed = not head or head[-1] in "，,。；;：: " or head.endswith(tuple(data["before"]))
            if placed and tail.startswith(tuple(data["after"])):
                found.append((word, match.start(), match.end()))
    return found


class DocumentNames:
    """Finds the documents and articles a question names, over the indexed documents."""

    def __init__(self, documents: Sequence[Named]):
        """`documents`: whole documents or their headers (the index gives headers: no text is needed)."""
        self.documents: dict[str, Named] = {d.doc_id: d for d in documents}
        self._by_name: dict[str, list[str]] = {}
        for document in documents:
            for name in document_names(document):
                self._by_name.setdefault(name, []).append(document.doc_id)
        current = current_versions(documents)
        self._type_words = _type_word_owners(current)
        # Longest first, so 车船税法实施条例 wins over 车船税法 inside it.
        self._names = sorted(self._by_name, key=len, reverse=True)
        self._current = {d.doc_id for d in current}
        self._clauses: dict[str, dict[str, Clause | ClauseOutline]] = {
            d.doc_id: {c.clause: c for c in d.clauses} for d in documents
        }

    @property
    def superseded(self) -> set[str]:
        """Documents that a newer version of the same title replaces."""
        return set(self.documents) - self._current

    def mentions(self, question: str) -> list[Mention]:
        found: list[Mention] = []
        taken = [False] * len(question)
        for name in self._names:
            if name not in question:  # thousands of names: compiling a pattern for each cost ~50 ms a question
                continue
            for match in re.finditer(re.escape(name), question):
                if any(taken[match.start() : match.end()]):
                    continue
                taken[match.start() : match.end()] = [True] * (match.end() - match.start())
                found.append(Mention(name, match.start(), match.end(), tuple(self._by_name[name])))
        for word, start, end in _type_word_mentions(question, self._type_words):
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                found.append(Mention(word, start, end, (self._type_words[word],)))
        for match in re.finditer(r"《([^》]{2,60})》", question):  # a bracketed title that differs a little
            if any(taken[match.start(1) : match.end(1)]):
                continue
            inner = match.group(1).removeprefix(_STATE_PREFIX)
            ids = tuple(
                d.doc_id for d in self.documents.values() if any(inner in n or n in inner for n in document_names(d))
            )
            if ids:
                found.append(Mention(match.group(1), match.start(1), match.end(1), ids))
        return sorted(found, key=lambda m: m.start)

    def _pick_version(self, question: str, mention: Mention) -> tuple[str, ...]:
        documents = [self.documents[i] for i in mention.doc_ids]
        before = _YEAR_BEFORE.search(question[max(0, mention.start - 12) : mention.start])
        after = _YEAR_AFTER.search(question[mention.end : mention.end + 14])
        year = before or after
        if year:
            return tuple(d.doc_id for d in version_of_year(documents, int(year.group("year"))))
        current = [d.doc_id for d in documents if d.doc_id in self._current]
        return tuple(current or mention.doc_ids)

    def clause(self, doc_id: str, number: int, sub: int | None) -> Clause | ClauseOutline | None:
        """第N条 of the document; in a directive, the clause numbered N (（十七） for 第十七条)."""
        clauses = self._clauses.get(doc_id, {})
        found = clauses.get(article_name(number, sub))
        if found is None and sub is None:
            found = next((c for c in clauses.values() if c.number == number and not c.clause.startswith("第")), None)
        return found

    def resolve(self, question: str, scope: Sequence[str] = ()) -> Resolution:
        """Named documents (version chosen) and referenced articles; `scope` fixes 第N条 alone."""
        mentions = self.mentions(question)
        chosen = {m: self._pick_version(question, m) for m in mentions}
        doc_ids = tuple(dict.fromkeys(i for m in mentions for i in chosen[m]))
        fallback = doc_ids or tuple(scope) or (tuple(self._current) if len(self._current) == 1 else ())
        articles: list[str] = []
        for match in ARTICLE.finditer(question):
            number = numeral(match.group("num"))
            sub = numeral(match.group("sub")) if match.group("sub") else None
            owner = next((m for m in mentions if _BETWEEN.match(question[m.end : match.start()])), None)
            for doc_id in chosen[owner] if owner else fallback:
                found = self.clause(doc_id, number, sub)
                if found is not None:
                    articles.append(clause_key(doc_id, found.clause))
        focus = question
        for mention in sorted(mentions, key=lambda m: -m.start):
            focus = focus[: mention.start] + " " + focus[mention.end :]
        focus = re.sub(r"《\s*》|(?:19|20)\d{2}\s*年版?|现行", " ", focus) if mentions else ""
        return Resolution(doc_ids, tuple(dict.fromkeys(articles)), focus)
