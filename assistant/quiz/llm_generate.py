"""The LLM generator: an OpenAI-compatible model writes items as JSON; every item is validated, then gated.

Replies that are not JSON and items that do not fit the schema are dropped and counted as invalid;
the rest go through the same quality gates as offline items, the source gate checking every answer
span verbatim against its clause.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.answer.llm import format_clauses
from assistant.llm import LLMUnavailable
from assistant.prompts import load_prompts
from assistant.quiz.generate import source_line
from assistant.quiz.terms import Lexicon
from assistant.quiz.types import (
    BLANK,
    DIFFICULTY_LABELS,
    FALSE,
    TF_OPTIONS,
    TRUE,
    TYPE_LABELS,
    BuildRequest,
    QuestionType,
    QuizItem,
    Swap,
    TermKind,
)
from assistant.settings import LLMSettings
from assistant.tokens import count_tokens
from assistant.types import Clause

if TYPE_CHECKING:
    from assistant.service import PolicyAssistant

log = logging.getLogger(__name__)

CLAUSES_PER_REQUEST = 3
ITEMS_PER_CLAUSE = 3
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)
_BLANK_VARIANTS = re.compile(r"_{2,}|＿{2,}|（\s*）|\(\s*\)")
_TRUE_WORDS = {"正确", "对", "true", "t", "√"}
_FALSE_WORDS = {"错误", "错", "false", "f", "×"}


class ChatModel(Protocol):
    def complete(self, messages: list[dict[str, str]]) -> str: ...


def default_chat(assistant: PolicyAssistant) -> ChatModel:
    from assistant.llm import make_chat

    return make_chat(assistant.settings.llm)


class LLMItem(BaseModel):
    """One item as the model must write it (extra keys are ignored, missing or mistyped ones are not)."""

    model_config = ConfigDict(extra="ignore")

    clause: int = Field(ge=1)
    type: QuestionType
    stem: str = Field(min_length=4)
    options: list[str] = Field(default_factory=list)
    answer: list[str] = Field(min_length=1)
    answer_span: str = Field(min_length=4)
    explanation: str = ""
    original: str | None = None
    replacement: str | None = None


class LLMGenerator:
    origin = "llm"

    def __init__(self, chat: ChatModel, prompts_dir: Path, lexicon: Lexicon, settings: LLMSettings | None = None):
        self.chat = chat
        self.prompts = load_prompts(prompts_dir)
        self.lexicon = lexicon
        self.settings = settings or LLMSettings()

    def candidates(
        self, clauses: list[Clause], request: BuildRequest, rng: random.Random
    ) -> tuple[list[QuizItem], int]:
        """(items that parsed, number of invalid replies and items); LLMUnavailable if nothing came back."""
        wanted = math.ceil(request.n * 1.5)
        count = min(len(clauses), max(1, math.ceil(wanted / ITEMS_PER_CLAUSE)))
        picked = sorted(rng.sample(range(len(clauses)), count))
        chosen = [clauses[i] for i in picked]
        items: list[QuizItem] = []
        invalid = 0
        for start in range(0, len(chosen), CLAUSES_PER_REQUEST):
            batch = chosen[start : start + CLAUSES_PER_REQUEST]
            try:
                reply = self.chat.complete(self.messages(batch, request, ITEMS_PER_CLAUSE * len(batch)))
            except LLMUnavailable:
                if not items:
                    raise
                log.warning("quiz llm request failed after %d items; keeping those", len(items))
                break
            parsed, bad = self.parse(reply, batch, request)
            items += parsed
            invalid += bad
        return items, invalid

    def messages(self, clauses: list[Clause], request: BuildRequest, count: int) -> list[dict[str, str]]:
        types = "、".join(f"{TYPE_LABELS[t]}（{t}）" for t in request.types)
        variables = {
            "count": str(count),
            "types": types,
            "difficulty": DIFFICULTY_LABELS[request.difficulty],
            "blank": BLANK,
        }
        frame = self.prompts.render("quiz_generate", clauses="", **variables)
        budget = self.settings.context_tokens - self.settings.answer_tokens - count_tokens(frame) - 64
        prompt = self.prompts.render("quiz_generate", clauses=format_clauses(clauses, budget)[0], **variables)
        return [{"role": "user", "content": prompt}]

    def parse(self, reply: str, clauses: list[Clause], request: BuildRequest) -> tuple[list[QuizItem], int]:
        """Items from one reply, and how many replies or items were invalid."""
        rows = _json_items(reply)
        if rows is None:
            log.warning("quiz llm reply is not JSON: %.200r", reply)
            return [], 1
        items, invalid = [], 0
        for row in rows:
            try:
                raw = LLMItem.model_validate(row)
                if raw.clause > len(clauses):
                    raise ValueError(f"clause {raw.clause} of {len(clauses)}")
                if raw.type not in request.types:
                    raise ValueError(f"type {raw.type} not requested")
                items.append(self._item(raw, clauses[raw.clause - 1], request))
            except (ValidationError, ValueError) as exc:
                invalid += 1
                log.info("quiz llm item invalid: %s", str(exc).splitlines()[0])
        return items, invalid

    def _item(self, raw: LLMItem, clause: Clause, request: BuildRequest) -> QuizItem:
        stem = _BLANK_VARIANTS.sub(BLANK, raw.stem.strip())
        options = [o.strip() for o in raw.options if o.strip()]
        answer = [a.strip() for a in raw.answer if a.strip()]
        swap = None
        if raw.type == "tf":
            verdict = answer[0].lower() if answer else ""
            if verdict not in _TRUE_WORDS | _FALSE_WORDS:
                raise ValueError(f"true/false answer {verdict!r}")
            answer = [TRUE if verdict in _TRUE_WORDS else FALSE]
            options = list(TF_OPTIONS)
            if answer == [FALSE] and raw.original and raw.replacement:
                swap = Swap(original=raw.original.strip(), replacement=raw.replacement.strip())
        elif raw.type == "blank":
            options = []
        span = raw.answer_span.strip().strip('“”"')
        explanation = raw.explanation.strip()
        if clause.label not in explanation:
            explanation = f"{explanation}{source_line(clause.label, span)}"
        return QuizItem(
            type=raw.type,
            stem=stem,
            options=options,
            answer=answer,
            doc_id=clause.doc_id,
            clause=clause.clause,
            label=clause.label,
            answer_span=span,
            explanation=explanation,
            kind=self._kind(raw.type, options, answer, swap),
            swap=swap,
            difficulty=request.difficulty,
            origin="llm",
            author=request.author,
        )

    def _kind(self, kind_of: QuestionType, options: list[str], answer: list[str], swap: Swap | None) -> TermKind | None:
        """The kind all options (or the swapped terms) share, preferring a specific kind to a plain phrase."""
        texts = ([swap.original, swap.replacement] if swap else []) if kind_of == "tf" else (options or answer)
        if not texts:
            return None
        common = set.intersection(*(self.lexicon.kinds(t) for t in texts))
        specific = sorted(common - {"phrase"})
        return specific[0] if specific else None


def _json_items(reply: str) -> list[Any] | None:
    """The list of item objects in a reply ({"items": [...]} or a bare list), tolerating code fences."""
    text = _FENCE.sub("", reply.strip())
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if not starts:
        return None
    text = text[min(starts) :]
    end = max(text.rfind("}"), text.rfind("]"))
    try:
        data = json.loads(text[: end + 1])
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict):
        data = data.get("items")
    return [row for row in data] if isinstance(data, list) else None
