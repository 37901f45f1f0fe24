"""Answers written by a chat model, every sentence checked against the clauses it cites (assistant/grounding.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from assistant.answer.condense import Exchange, RuleCondenser
from assistant.answer.extractive import Draft, ExtractiveAnswerer
from assistant.answer.refusal import NOT_FOUND
from assistant.cite import MARKER
from assistant.grounding import Grounded, ground
from assistant.llm import ChatModel, Finish, LLMUnavailable, TextDelta, Thinking, strip_reasoning
from assistant.llm.openai_chat import OpenAICompatibleChat
from assistant.prompts import PromptSet
from assistant.retrieve import Retrieval
from assistant.settings import LLMSettings
from assistant.tokens import count_tokens, truncate_to_tokens
from assistant.types import Claim, Clause

# Re-exported for callers written before the client moved to assistant.llm.
__all__ = ["LLMAnswerer", "LLMCondenser", "LLMUnavailable", "OpenAICompatibleChat", "format_clauses"]

log = logging.getLogger(__name__)
MIN_CLAUSE_TOKENS = 100  # a clause cut shorter than this is not worth sending


def format_clauses(clauses: list[Clause], budget: int) -> tuple[str, list[Clause]]:
    """Numbered clauses, best first, as many as fit the token budget (the last cut at a sentence end); and those sent."""
    blocks: list[str] = []
    sent: list[Clause] = []
    used = 0
    for n, clause in enumerate(clauses, start=1):
        block = f"[{n}] {clause.label}\n<条款>{clause.text}</条款>"
        cost = count_tokens(block)
        if used + cost > budget:
            remaining = budget - used - 40
            if remaining > MIN_CLAUSE_TOKENS:
                text = truncate_to_tokens(clause.text, remaining, whole_sentences=True)
                blocks.append(f"[{n}] {clause.label}\n<条款>{text}……</条款>")
                sent.append(clause)
            break
        blocks.append(block)
        sent.append(clause)
        used += cost
    return "\n\n".join(blocks), sent


@dataclass
class GroundedDraft(Draft):
    """A model's answer after grounding: its claims, whether it was cut off, and how many sources it saw."""

    claims: list[Claim] = field(default_factory=list)
    truncated: bool = False
    sources_seen: int | None = None


TRUNCATED_NOTICE = "大模型的回答达到长度上限被截断，可能不完整。"


class LLMAnswerer:
    mode = "llm"

    def __init__(self, chat: ChatModel, prompts: PromptSet, settings: LLMSettings):
        self.chat = chat
        self.prompts = prompts
        self.settings = settings

    def messages(self, question: str, clauses: list[Clause]) -> tuple[list[dict[str, str]], list[Clause]]:
        """The chat messages and the clauses that fit the context budget (only those may be cited)."""
        system = self.prompts.render("answer_system", not_found=NOT_FOUND)
        frame = self.prompts.render("answer_user", clauses="", question=question, not_found=NOT_FOUND)
        budget = self.settings.context_tokens - self.settings.answer_tokens - count_tokens(system + frame) - 64
        text, sent = format_clauses(clauses, budget)
        user = self.prompts.render("answer_user", clauses=text, question=question, not_found=NOT_FOUND)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}], sent

    def stream_draft(
        self, question: str, retrieval: Retrieval, fallback: ExtractiveAnswerer
    ) -> Iterator[str | Thinking | Draft]:
        evidence = fallback.evidence(retrieval)
        if not evidence.verdict.covered:
            # Calibrated refusal: the model is not asked to answer what the documents do not cover.
            draft = fallback.draft(retrieval, evidence)
            draft.fell_back = True
            yield draft
            return

        def fall_back(notice: str) -> Draft:
            """The extractive answer, from the evidence already scored, with the reason the model's was not used."""
            draft = fallback.draft(retrieval, evidence)
            draft.notice, draft.fell_back = notice, True
            return draft

        messages, clauses = self.messages(question, [r.clause for r in retrieval.ranked])
        if not clauses:
            log.error(
                "llm context too small for any clause: context_tokens=%d answer_tokens=%d",
                self.settings.context_tokens,
                self.settings.answer_tokens,
            )
            yield fall_back("大模型的上下文窗口放不下任何条款，已改用原文摘录回答。")
            return
        parts: list[str] = []
        finish: str | None = None
        usage: dict[str, int] | None = None
        try:
            for event in self.chat.stream(messages):
                if isinstance(event, TextDelta):
                    parts.append(event.text)
                    yield event.text
                elif isinstance(event, Thinking):
                    yield event
                elif isinstance(event, Finish):
                    finish, usage = event.reason, event.usage
        except LLMUnavailable as exc:
            yield fall_back(f"{exc.reason}，已改用原文摘录回答。")
            return
        truncated = finish == "length"
        if truncated:
            log.warning("llm answer cut at the length limit: answer_tokens=%d", self.settings.answer_tokens)
        draft = self.check(strip_reasoning("".join(parts)), clauses, fall_back, truncated)
        if isinstance(draft, GroundedDraft):
            draft.sources_seen = len(clauses)
        draft.usage = usage or {}  # tokens were spent even when the answer falls back to extracts
        yield draft

    def check(
        self, text: str, clauses: list[Clause], fall_back: Callable[[str], Draft], truncated: bool = False
    ) -> Draft:
        """Ground the model's text; the extractive answer stands in, with the true reason, when nothing verifies."""
        if not text:
            return fall_back(
                "大模型的回答在长度上限内没有写出内容，已改用原文摘录回答。"
                if truncated
                else "大模型没有返回内容，已改用原文摘录回答。"
            )
        grounded = ground(text, clauses, truncated=truncated)
        if grounded.refused:
            refusal = grounded.refusal_text or f"{NOT_FOUND}与该问题直接对应的规定。"
            claims = [Claim(text=refusal, citations=[], supported=False, reason="说明文件未涉及所问内容")]
            return GroundedDraft(refusal, refused=True, claims=claims, truncated=truncated)
        if not grounded.verified:
            return fall_back(_fallback_reason(grounded))
        notices = []
        if truncated:
            notices.append(TRUNCATED_NOTICE)
        numbers = [i for i in grounded.invalid if i.startswith("[")]
        labels = [i for i in grounded.invalid if not i.startswith("[")]
        if numbers:
            notices.append(f"大模型引用了不存在的条款编号 {'、'.join(numbers)}，已删除。")
        if labels:
            notices.append(f"大模型提到的{'、'.join(labels)}不在检索到的条款中。")
        unsupported = sum(1 for c in grounded.claims if not c.supported)
        if unsupported:
            notices.append(f"有 {unsupported} 句未能在所引条款中核实，已标注“未经原文核实”，请以原文为准。")
        return GroundedDraft(
            grounded.text,
            refused=False,
            citations=grounded.citations,
            notice="".join(notices) or None,
            claims=grounded.claims,
            truncated=truncated,
        )


def _fallback_reason(grounded: Grounded) -> str:
    """Why no sentence of the model's answer could be shown as verified — the reason that actually holds."""
    cited = [c for c in grounded.claims if c.citations]
    if not cited and not grounded.invalid:
        return "大模型的回答没有标注出处，无法核实，已改用原文摘录回答。"
    if cited and all(c.reason == "引文未能在所引条款中逐字核实" for c in cited):
        return "大模型回答中的引文均未能在原文中逐字核实，已改用原文摘录回答。"
    if grounded.invalid and not cited:
        return f"大模型引用的条款 {'、'.join(grounded.invalid)} 不在检索结果中，已改用原文摘录回答。"
    reasons = "；".join(dict.fromkeys(c.reason for c in grounded.claims if c.reason))
    return f"大模型的回答没有一句能在所引条款中核实（{reasons}），已改用原文摘录回答。"


class LLMCondenser:
    """The model rewrites a follow-up into a standalone question; the rule-based rewrite stands in on failure."""

    def __init__(self, chat: ChatModel, prompts: PromptSet, fallback: RuleCondenser):
        self.chat = chat
        self.prompts = prompts
        self.fallback = fallback

    def condense(self, history: list[Exchange], question: str) -> str:
        if not history:
            return question
        lines = []
        for exchange in history[-3:]:
            lines.append(f"问：{exchange.question}")
            if exchange.answer:
                lines.append(f"答：{exchange.answer[:200]}")
        prompt = self.prompts.render("condense", history="\n".join(lines), question=question)
        try:
            # complete() has the reasoning stripped: a <think> block is never taken for the question.
            rewritten = self.chat.complete([{"role": "user", "content": prompt}]).strip().strip('“”"')
        except LLMUnavailable as exc:
            log.warning("condense fell back to rules: %s", exc)
            return self.fallback.condense(history, question)
        if not rewritten or len(rewritten) > 200 or MARKER.search(rewritten) or "<" in rewritten:
            return self.fallback.condense(history, question)
        return rewritten.splitlines()[0]
