"""Turn a follow-up question into a standalone one, using the conversation so far."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.chinese import words
from assistant.embeddings import Embedder


@dataclass(frozen=True)
class Exchange:
    """One earlier turn: what was asked (standalone) and what was answered."""

    question: str
    standalone: str
    answer: str = ""


_ELLIPTICAL_START = re.compile(r"^(那它|那么?|它|还有|另外|再说说|再问一下|而|至于|关于)")
_ELLIPTICAL_END = re.compile(r"(呢|方面呢|怎么样|如何|又如何|有没有|呢？|呢\?)[？?。]*$")
_FILLER = re.compile(
    r"^(那它|那么?|它|还有|另外|再说说|再问一下|而|至于|关于)[对在于]?|(方面|领域|这块|这一块)?(呢|怎么样|又如何|如何)?[？?。]*$"
)
# Words too generic to be the topic that a follow-up replaces.
_GENERIC = frozenset(
    [
        "国家",
        "西部",
        "西部地区",
        "地区",
        "政策",
        "支持",
        "措施",
        "安排",
        "规定",
        "要求",
        "文件",
        "指导意见",
        "意见",
        "工作",
        "发展",
        "推进",
        "加强",
        "提出",
        "哪些",
        "什么",
        "方面",
    ]
)


def is_elliptical(question: str) -> bool:
    q = question.strip()
    return len(q) <= 14 and bool(_ELLIPTICAL_START.search(q) or _ELLIPTICAL_END.search(q))


def follow_up_topic(question: str) -> str:
    return _FILLER.sub("", question.strip()).strip(" ，,的")


class RuleCondenser:
    """Deterministic rewrite without a model: swap the earlier topic for the follow-up's topic.

    The earlier topic is the content word of the previous question most similar to the new topic
    (教育 replaces 医疗, 云南 replaces 重庆), judged with the embedding model.
    """

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def condense(self, history: list[Exchange], question: str) -> str:
        if not history or not is_elliptical(question):
            return question
        previous = history[-1].standalone
        topic = follow_up_topic(question)
        if not topic:
            return previous
        candidates = [w for w in dict.fromkeys(words(previous)) if w not in _GENERIC and len(w) >= 2 and w in previous]
        if not candidates:
            return f"{topic}：{previous}"
        topic_vector = self.embedder.embed_query(topic)
        similarity = [float(np.dot(self.embedder.embed_query(w), topic_vector)) for w in candidates]
        replaced = candidates[int(np.argmax(similarity))]
        return previous.replace(replaced, topic, 1)
