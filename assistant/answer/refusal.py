"""Decide whether the retrieved evidence answers the question, or the documents do not cover it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.evidence import ScoredSentence
from assistant.chinese import pos_tag

NOT_FOUND = "文件中没有找到"
"""The one refusal phrase: answers, prompts, the LLM parser and the evals share it."""

# What kind of answer a question asks for, and how to see it in a sentence.
_ASKS: dict[str, tuple[re.Pattern[str], re.Pattern[str] | None, str]] = {
    "number": (
        re.compile(
            r"多少|几个|几项|几成|比例是|比率|税率|费率|百分之|百分比|金额|数额|额度|多大|几亿|几万|标准是多少|具体数字|幅度"
        ),
        re.compile(r"\d|[一二三四五六七八九十百千万亿]+(?:个|项|亿|万|倍|成|年)|百分之|%"),
        "具体的数字（如金额、比例、税率或数量）",
    ),
    "place": (
        re.compile(
            r"哪些城市|哪几个城市|哪个城市|哪座城市|哪些省|哪几个省|哪个省|哪些地方|哪个地方|在哪里|在哪儿|建在哪|设在哪"
        ),
        None,
        "具体的地点或名单",
    ),
    "date": (
        re.compile(r"哪一年|哪年|何时|什么时候|几月|几号|截止|期限|时间表|日期|多长时间|多久|哪天"),
        re.compile(r"\d{4}年|\d+月|\d+日|[一二三四五六七八九十]+年"),
        "具体的时间或期限",
    ),
}


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on evals/datasets/dev.jsonl (see README)."""

    min_dense: float = 0.875
    min_lexical: float = 0.35


@dataclass(frozen=True)
class Verdict:
    covered: bool
    missing: str | None = None  # what the documents do not state, for the refusal sentence


def asked_kind(question: str) -> str | None:
    for kind, (asks, _, _) in _ASKS.items():
        if asks.search(question):
            return kind
    return None


def assess(
    question: str, selected: list[ScoredSentence], best: list[ScoredSentence], thresholds: Thresholds
) -> Verdict:
    """Covered when the best evidence is close enough and, for numbers and dates, actually contains one."""
    if not best:
        return Verdict(False, "与该问题直接对应的规定")
    top = best[0]
    if top.dense < thresholds.min_dense and top.lexical < thresholds.min_lexical:
        return Verdict(False, "与该问题直接对应的规定")
    kind = asked_kind(question)
    if kind is not None:
        _, shows, what = _ASKS[kind]
        found = (lambda text: bool(places(text))) if shows is None else (lambda text: bool(shows.search(text)))
        if not any(found(s.sentence.text) for s in selected):
            return Verdict(False, what)
    return Verdict(True)


_GENERIC_PLACES = frozenset(
    [
        "西部",
        "东部",
        "中部",
        "西部地区",
        "东部地区",
        "中西部",
        "东中部",
        "全国",
        "国家",
        "境外",
        "境内",
        "农村",
        "城乡",
        "地方",
    ]
)


def places(text: str) -> list[str]:
    """Place names in a sentence (jieba part of speech ns), without the generic regions every clause names."""
    return [word for word, flag in pos_tag(text) if flag == "ns" and word not in _GENERIC_PLACES]
