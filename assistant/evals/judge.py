"""Optional LLM judge: correctness against key facts and faithfulness to the cited clauses, as validated JSON.

A malformed or failed judgement is recorded as a failure, never as a number.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, ValidationError

from assistant.prompts import PromptSet
from assistant.types import Answer, Clause

if TYPE_CHECKING:
    from assistant.evals.datasets import EvalItem
    from assistant.llm import ChatModel

log = logging.getLogger(__name__)
_DECODER = json.JSONDecoder()


class JudgeScores(BaseModel):
    # strict: true/false or "0.8" from a sloppy judge is a failure, not a score
    correctness: float = Field(ge=0, le=1, strict=True)
    faithfulness: float = Field(ge=0, le=1, strict=True)
    reason: str = ""


@dataclass(frozen=True)
class JudgeVerdict:
    correctness: float | None
    faithfulness: float | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.correctness is not None and self.faithfulness is not None


FAILED = JudgeVerdict(None, None, "judge failed")


def first_json_object(text: str) -> dict[str, object] | None:
    """The first complete JSON object in the text (a greedy match would swallow prose between two objects)."""
    start = text.find("{")
    while start != -1:
        try:
            value, _ = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def parse_judgement(text: str) -> JudgeVerdict:
    """The judge's JSON (possibly inside a code fence); anything else is a failed judgement."""
    value = first_json_object(text or "")
    if value is None:
        return FAILED
    try:
        scores = JudgeScores.model_validate(value)
    except ValidationError as exc:
        log.warning("judge output rejected: %s", type(exc).__name__)
        return FAILED
    return JudgeVerdict(scores.correctness, scores.faithfulness, scores.reason)


class Judge:
    def __init__(self, chat: ChatModel, prompts: PromptSet):
        self.chat = chat
        self.prompts = prompts

    def judge(self, item: EvalItem, answer: Answer, clauses: Mapping[str, Clause]) -> JudgeVerdict:
        from assistant.llm import LLMUnavailable

        cited = [clauses.get(f"{c.doc_id}#{c.clause}") for c in answer.citations]
        texts = "\n".join(dict.fromkeys(f"{c.label}：{c.text}" for c in cited if c is not None)) or "（无）"
        prompt = self.prompts.render(
            "judge",
            question=item.question,
            key_facts="\n".join(f"- {fact}" for fact in item.key_facts) or "（无）",
            clauses=texts,
            answer=answer.answer,
        )
        try:
            # complete() strips reasoning: a <think> block holding draft JSON is never parsed as the verdict.
            return parse_judgement(self.chat.complete([{"role": "user", "content": prompt}]))
        except LLMUnavailable as exc:
            log.warning("judge request failed: %s", exc)
            return FAILED
