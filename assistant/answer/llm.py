"""Answers written by an OpenAI-compatible chat model, with every citation verified afterwards."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, cast

from assistant.answer.condense import Exchange, RuleCondenser
from assistant.answer.extractive import Draft, ExtractiveAnswerer
from assistant.answer.refusal import NOT_FOUND
from assistant.cite import MARKER, make_citation, parse_marked_text, strip_markers
from assistant.prompts import PromptSet
from assistant.retrieve import Retrieval
from assistant.settings import LLMSettings
from assistant.tokens import count_tokens, truncate_to_tokens
from assistant.types import Citation, Clause

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionChunk

log = logging.getLogger(__name__)


class LLMUnavailable(RuntimeError):
    """The endpoint failed after retries; `reason` is Chinese for the user."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


class OpenAICompatibleChat:
    """The `openai` client against any compatible server, with our own retries and an overall deadline."""

    def __init__(self, settings: LLMSettings):
        from openai import OpenAI

        self.settings = settings
        self.client = OpenAI(
            base_url=settings.base_url,
            # Local servers accept any key; the client refuses an empty one.
            api_key=settings.api_key.get_secret_value() if settings.api_key else "not-needed",
            timeout=settings.timeout,
            max_retries=0,
        )

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """Text deltas; raises LLMUnavailable when the endpoint keeps failing or runs past its deadline."""
        import openai

        retryable = (
            openai.APITimeoutError,
            openai.APIConnectionError,
            openai.RateLimitError,
            openai.InternalServerError,
        )
        attempts = self.settings.max_retries + 1
        deadline = time.monotonic() + self.settings.timeout * attempts
        for attempt in range(1, attempts + 1):
            produced = False
            try:
                response = self.client.chat.completions.create(
                    model=self.settings.model,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=self.settings.temperature,
                    stream=True,
                    max_tokens=self.settings.answer_tokens,
                )
                for chunk in cast("Iterable[ChatCompletionChunk]", response):
                    if time.monotonic() > deadline:
                        raise LLMUnavailable("大模型响应超时", "overall deadline exceeded while streaming")
                    if not chunk.choices:
                        continue
                    delta = chunk.choices[0].delta.content
                    if delta:
                        produced = True
                        yield delta
                return
            except LLMUnavailable:
                raise
            except retryable as exc:
                status = getattr(exc, "status_code", None)
                log.warning(
                    "llm request failed attempt=%d/%d error=%s status=%s", attempt, attempts, type(exc).__name__, status
                )
                if produced or attempt == attempts or time.monotonic() > deadline:
                    raise LLMUnavailable(_reason(exc), f"{type(exc).__name__} status={status}") from exc
                time.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random()))
            except openai.APIStatusError as exc:
                log.error("llm request rejected status=%s error=%s", exc.status_code, type(exc).__name__)
                raise LLMUnavailable(_reason(exc), f"status={exc.status_code}") from exc
            except Exception as exc:  # malformed SSE or JSON from the server
                log.error("llm response unreadable error=%s: %s", type(exc).__name__, exc)
                raise LLMUnavailable("大模型返回的数据格式有误", f"{type(exc).__name__}: {exc}") from exc

    def complete(self, messages: list[dict[str, str]]) -> str:
        return "".join(self.stream(messages))

    def health(self) -> bool:
        """Whether the endpoint answers a model listing within a short timeout."""
        try:
            self.client.with_options(timeout=3.0, max_retries=0).models.list()
            return True
        except Exception as exc:
            log.info("llm health check failed: %s", type(exc).__name__)
            return False


def _reason(exc: Exception) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "大模型响应超时"
    if isinstance(exc, openai.APIConnectionError):
        return "无法连接大模型服务"
    if isinstance(exc, openai.RateLimitError):
        return "大模型服务繁忙（请求过多）"
    if isinstance(exc, openai.AuthenticationError):
        return "大模型服务拒绝了访问密钥"
    if isinstance(exc, openai.InternalServerError):
        return "大模型服务内部错误"
    return "大模型服务返回错误"


def format_clauses(clauses: list[Clause], budget: int) -> tuple[str, list[Clause]]:
    """Numbered clauses, best first, as many as fit the token budget (the last one truncated); and those sent."""
    blocks: list[str] = []
    sent: list[Clause] = []
    used = 0
    for n, clause in enumerate(clauses, start=1):
        block = f"[{n}] {clause.label}\n<条款>{clause.text}</条款>"
        cost = count_tokens(block)
        if used + cost > budget:
            remaining = budget - used - 40
            if remaining > 100:
                blocks.append(f"[{n}] {clause.label}\n<条款>{truncate_to_tokens(clause.text, remaining)}</条款>")
                sent.append(clause)
            break
        blocks.append(block)
        sent.append(clause)
        used += cost
    return "\n\n".join(blocks), sent


def verify_generated(text: str, provided: list[Clause]) -> tuple[str, list[Citation], list[int]]:
    """Citations from the model's [n] markers and quotes; returns (text without invalid markers, citations, invalid)."""
    invalid = sorted({int(m) for m in MARKER.findall(text) if not 1 <= int(m) <= len(provided)})
    cleaned = strip_markers(text, set(invalid))
    citations: list[Citation] = []
    for sentence in parse_marked_text(cleaned):
        markers = [n for n in dict.fromkeys(sentence.markers)]
        if not markers:
            continue
        quotes = list(sentence.quotes) or [MARKER.sub("", sentence.text).strip("。；; ")]
        for quote in quotes:
            candidates = [make_citation(n, provided[n - 1], quote) for n in markers]
            verified = [c for c in candidates if c.verified]
            citations.append(verified[0] if verified else candidates[0])
    return cleaned, citations, invalid


class LLMAnswerer:
    mode = "llm"

    def __init__(self, chat: OpenAICompatibleChat, prompts: PromptSet, settings: LLMSettings):
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

    def stream_draft(self, question: str, retrieval: Retrieval, fallback: ExtractiveAnswerer) -> Iterator[str | Draft]:
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
        try:
            for delta in self.chat.stream(messages):
                parts.append(delta)
                yield delta
        except LLMUnavailable as exc:
            yield fall_back(f"{exc.reason}，已改用原文摘录回答。")
            return
        yield self._check("".join(parts).strip(), clauses, fall_back)

    def _check(self, text: str, clauses: list[Clause], fall_back: Callable[[str], Draft]) -> Draft:
        if not text:
            return fall_back("大模型没有返回内容，已改用原文摘录回答。")
        if text.startswith(NOT_FOUND) or (NOT_FOUND in text[:40] and not MARKER.search(text)):
            return Draft(text, refused=True)
        cleaned, citations, invalid = verify_generated(text, clauses)
        if not citations:
            return fall_back("大模型的回答没有标注出处，无法核实，已改用原文摘录回答。")
        if not any(c.verified for c in citations):
            return fall_back("大模型回答中的引文均未能在原文中逐字核实，已改用原文摘录回答。")
        notices = []
        if invalid:
            numbers = "、".join(f"[{n}]" for n in invalid)
            notices.append(f"大模型引用了不存在的条款编号 {numbers}，已删除。")
        unverified = sum(1 for c in citations if not c.verified)
        if unverified:
            notices.append(f"有 {unverified} 处引文未能在原文中逐字核实，已标注为“未核实”。")
        return Draft(cleaned, refused=False, citations=citations, notice="".join(notices) or None)


class LLMCondenser:
    """The model rewrites a follow-up into a standalone question; the rule-based rewrite stands in on failure."""

    def __init__(self, chat: OpenAICompatibleChat, prompts: PromptSet, fallback: RuleCondenser):
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
            rewritten = self.chat.complete([{"role": "user", "content": prompt}]).strip().strip('“”"')
        except LLMUnavailable as exc:
            log.warning("condense fell back to rules: %s", exc)
            return self.fallback.condense(history, question)
        if not rewritten or len(rewritten) > 200 or MARKER.search(rewritten):
            return self.fallback.condense(history, question)
        return rewritten.splitlines()[0]
