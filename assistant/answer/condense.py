"""Turn a follow-up question into a standalone one, using the conversation so far."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from assistant.answer.kinds import classify
from assistant.answer.wordlists import table, word_list
from assistant.chinese import pos_tag, words
from assistant.embeddings import Embedder
from assistant.references import ARTICLE, DocumentNames


@dataclass(frozen=True)
class Exchange:
    """One earlier turn: what was asked (standalone) and what was answered."""

    question: str
    standalone: str
    answer: str = ""


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _markers() -> tuple[int, re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Follow-up markers from data/follow_up.toml: (max length, start, end, filler around the topic)."""
    data = table("follow_up.toml")
    starts, ends = _alternatives(data["starts"]), _alternatives(data["ends"])
    joiners = "".join(data["start_joiners"])
    filler = re.compile(rf"^(?:{starts})[{joiners}]?|(?:{_alternatives(data['topic_suffixes'])})?(?:{ends})?[？?。]*$")
    return data["max_chars"], re.compile(rf"^(?:{starts})"), re.compile(rf"(?:{ends})[？?。]*$"), filler


def is_elliptical(question: str) -> bool:
    q = question.strip()
    max_chars, start, end, _ = _markers()
    return len(q) <= max_chars and bool(start.search(q) or end.search(q))


def follow_up_topic(question: str) -> str:
    return _markers()[3].sub("", question.strip()).strip(" ，,的")


def _generic() -> frozenset[str]:
    """Words too generic to be the topic a follow-up replaces (data/generic_topics.txt)."""
    return word_list("generic_topics.txt")


_NOUN_FLAGS = ("n", "vn")
NEW_SUBJECT_ASK = "方面有哪些规定？"


def subject_span(previous: str, word: str) -> tuple[int, int]:
    """The noun phrase around `word` in the previous question (鼓励类产业企业所得税税率 around 产业)."""
    start = previous.find(word)
    end = start + len(word)
    tokens, position = [], 0
    for token, flag in pos_tag(previous):
        tokens.append((position, position + len(token), token, flag))
        position += len(token)
    inside = [i for i, (a, b, _, _) in enumerate(tokens) if a < end and b > start]
    if not inside:
        return start, end

    def joins(i: int) -> bool:
        _, _, token, flag = tokens[i]
        return flag.startswith(_NOUN_FLAGS) and token not in _generic()

    first, last = inside[0], inside[-1]
    while first > 0 and joins(first - 1):
        first -= 1
    while last < len(tokens) - 1 and joins(last + 1):
        last += 1
    return min(start, tokens[first][0]), max(end, tokens[last][1])


def replace_subject(previous: str, word: str, topic: str) -> str:
    """Swap the earlier subject for the new one; a compound subject is replaced whole, and an ask that
    only fits the old subject (税率是多少) gives way to a general one."""
    start, end = subject_span(previous, word)
    if (start, end) == (previous.find(word), previous.find(word) + len(word)):
        return previous.replace(word, topic, 1)
    rest = previous[end:]
    kind = classify(rest)
    if kind is not None and kind.evidence != ("any",):
        rest = NEW_SUBJECT_ASK
    return previous[:start] + topic + rest


class RuleCondenser:
    """Deterministic rewrite without a model: swap the earlier topic for the follow-up's topic.

    The earlier topic is the content word of the previous question most similar to the new topic
    (教育 replaces 医疗, 云南 replaces 重庆), judged with the embedding model. A follow-up whose words the
    documents never use (明天北京天气怎么样) leaves the conversation's topic and is taken as asked.
    """

    def __init__(
        self,
        embedder: Embedder,
        known: Callable[[str], bool] | None = None,
        names: Callable[[], DocumentNames] | None = None,
    ):
        self.embedder = embedder
        self.known = known  # whether a word occurs in the indexed documents
        self.names = names  # the indexed documents' names, for 第N条 follow-ups

    def leaves_topic(self, topic: str) -> bool:
        return self.known is not None and any(not self.known(w) for w in words(topic) if len(w) >= 2)

    def with_document(self, previous: str, question: str) -> str | None:
        """第五条呢 after 《烟叶税法》第四条…: the same document's other article."""
        asked = ARTICLE.search(question)
        earlier = ARTICLE.search(previous)
        if asked is None or earlier is None or self.names is None:
            return None
        names = self.names()
        if any(m.end <= asked.start() for m in names.mentions(question)):
            return None  # the follow-up names its own document
        mention = next((m for m in reversed(names.mentions(previous)) if m.end <= earlier.start()), None)
        if mention is None:
            return None
        if is_elliptical(question):
            return previous[: earlier.start()] + asked.group(0) + previous[earlier.end() :]
        prefix = f"《{mention.name}》" if previous[mention.start - 1 : mention.start] == "《" else mention.name
        return question[: asked.start()] + prefix + question[asked.start() :]

    def condense(self, history: list[Exchange], question: str) -> str:
        if not history:
            return question
        previous = history[-1].standalone
        article = self.with_document(previous, question)
        if article is not None:
            return article
        if not is_elliptical(question):
            return question
        topic = follow_up_topic(question)
        if not topic:
            return previous
        if self.leaves_topic(topic):
            return question
        candidates = [
            w for w in dict.fromkeys(words(previous)) if w not in _generic() and len(w) >= 2 and w in previous
        ]
        if not candidates:
            return f"{topic}：{previous}"
        topic_vector = self.embedder.embed_query(topic)
        similarity = [float(np.dot(self.embedder.embed_query(w), topic_vector)) for w in candidates]
        replaced = candidates[int(np.argmax(similarity))]
        return replace_subject(previous, replaced, topic)
