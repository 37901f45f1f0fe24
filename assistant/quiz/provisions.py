"""A statute's numbered lists: an article's lead-in (有下列情形之一的：) and its items (一)(二)(三)….

The offline generator asks them as multiple choice, "which of these does the article list": the article's items
are the keys; items of the document's other lists of the same noun (情形 with 情形), which this article does not
hold, are the distractors. The nouns and the longest item are data (data/gates.toml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import takewhile

from assistant.chinese import char_bigrams, match_key
from assistant.quiz.soundness import gate_settings
from assistant.quiz.stems import body_start
from assistant.types import Clause

_CITED = re.compile(r"第[零一二三四五六七八九十百千\d]+条")
_ITEM = re.compile(r"^[（(]([一二三四五六七八九十]+)[)）]\s*(.+?)[；;。，,]?\s*$")


@dataclass(frozen=True)
class ListedItem:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ProvisionList:
    """One numbered list of an article: the lead-in's stretch up to 下列…, the listed noun, the usable items."""

    clause_key: str
    lead_start: int
    lead: str
    """What the stem quotes: the whole lead-in sentence when short, else its stretch up to 下列… and an ellipsis."""
    sentence: str
    """The whole lead-in sentence, up to its colon."""
    noun: str
    items: tuple[ListedItem, ...]


def provision_lists(clause: Clause) -> list[ProvisionList]:
    """The numbered lists of an article whose lead-in names 下列 and a listed noun; items that are one short
    proposition only (longer ones are never an option)."""
    if not clause.is_article:
        return []
    settings = gate_settings()
    text = clause.text
    out: list[ProvisionList] = []
    floor = body_start(clause)
    for colon in re.finditer(r"[：:]\s*\n", text):
        paragraph = max(text.rfind("\n", 0, colon.start()) + 1, floor)
        found = re.search(
            r"下列(" + "|".join(map(re.escape, settings.provision_nouns)) + ")", text[paragraph : colon.start()]
        )
        if found is None:
            continue
        at = paragraph + found.start()
        # The lead-in quoted from its sentence's start up to the stretch that names the list (…，有下列情形之一的),
        # not the penalties after it.
        sentence_start = max(max(text.rfind(mark, paragraph, at) for mark in "。；;") + 1, paragraph)
        ends = [i for i in (text.find(mark, at, colon.start()) for mark in "，,。；;") if i >= 0]
        sentence = text[sentence_start : colon.start()].strip()
        lead = sentence
        if len(sentence) > settings.provision_lead_chars:
            lead = text[sentence_start : min(ends) if ends else colon.start()].strip() + "……"
        items: list[ListedItem] = []
        offset = colon.end()
        for line in text[colon.end() :].split("\n"):
            at = offset
            offset += len(line) + 1
            if not line.strip():
                continue
            match = _ITEM.match(line)
            if match is None:
                break
            item = match.group(2).strip()
            if (
                len(item) <= settings.provision_item_chars
                and not re.search(r"[，,：:；;]", item)
                and not _CITED.search(item)  # 具有本法第二十一条…规定情形的 points at items, it is none (round 13b)
                and not any(word in item for word in settings.provision_catchall)
            ):
                start = at + line.index(item)
                items.append(ListedItem(item, start, start + len(item)))
        out.append(ProvisionList(clause.key, sentence_start, lead, sentence, found.group(1), tuple(items)))
    return out


def related(own: ProvisionList, other: ProvisionList) -> bool:
    """Another article's list whose items are fair distractors for `own`: the same noun, a lead-in of the same field
    (有下列情形之一的，无需取得探矿权 with …无需取得采矿权, never with 违反本法规定，有下列情形之一的), and a lead-in the
    stem tells apart (not the same words as the stem quotes: 83 and 84 of one regulation differ only in the fine)."""
    if other.clause_key == own.clause_key or other.noun != own.noun:
        return False
    shown = match_key(own.lead.removesuffix("……"))
    if shown in match_key(other.sentence) or match_key(other.lead.removesuffix("……")) in match_key(own.sentence):
        return False
    mine, theirs = set(char_bigrams(match_key(own.sentence))), set(char_bigrams(match_key(other.sentence)))
    if not mine or not theirs:
        return False
    return len(mine & theirs) / max(len(mine), len(theirs)) >= gate_settings().provision_lead_overlap


def distractor_items(lists: list[ProvisionList], own: ProvisionList, clause_text: str) -> list[str]:
    """Items of the document's related lists (related()) that the article does not hold, nor takes in by citing
    their article (具有本法第二十一条第一款第一项至第四项规定情形的, round 13b)."""
    text = match_key(clause_text)
    cited = set(_CITED.findall(clause_text))
    seen: set[str] = set()
    out = []
    for other in lists:
        if not related(own, other) or other.clause_key.rsplit("#", 1)[-1] in cited:
            continue
        for item in other.items:
            key = match_key(item.text)
            if key in text or key in seen or any(one_word_apart(item.text, own_item.text) for own_item in own.items):
                continue  # 飞行活动性质 against a listed 飞行任务性质 (round 13b)
            seen.add(key)
            out.append(item.text)
    return out


def whole_listed_items(lists: Iterable[list[ProvisionList]], options: list[str]) -> bool:
    """Every option is one whole numbered item of some list of the documents: nothing cut, nothing made up."""
    items = {match_key(item.text) for found in lists for listed in found for item in listed.items}
    return all(match_key(option) in items for option in options)


def one_word_apart(a: str, b: str) -> bool:
    """Two items that differ only in one word of at most two characters between a shared start and end
    (飞行任务性质 / 飞行活动性质, round 13b): the distractor reads as the key in other words."""
    a, b = match_key(a), match_key(b)
    if a == b:
        return False
    head = len(_common_start([a, b]))
    tail = len(_common_ending([a[head:], b[head:]]))
    return max(len(a), len(b)) - head - tail <= 2 and head + tail >= 2


def _common_start(texts: list[str]) -> str:
    return "".join(chars[0] for chars in takewhile(lambda chars: len(set(chars)) == 1, zip(*texts)))


def _common_ending(texts: list[str]) -> str:
    return _common_start([t[::-1] for t in texts])[::-1]


def same_listed_kind(answers: list[str], options: list[str]) -> bool:
    """When the keys end alike (…证据材料, …的案件), every option does: a kind of case or a party's status set
    against kinds of evidence is picked out by its form (round 12a). A one-character ending (的) says nothing."""
    ending = _common_ending([match_key(a) for a in answers])
    return len(ending) < 2 or all(match_key(o).endswith(ending) for o in options)
