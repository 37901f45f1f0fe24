"""Answer a question: condense the follow-up, retrieve, refuse or answer, verify citations."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Protocol

from assistant.answer.condense import Exchange, RuleCondenser
from assistant.answer.extractive import Draft, ExtractiveAnswerer
from assistant.errors import UserError
from assistant.grounding import ground
from assistant.llm import Thinking
from assistant.retrieve import HybridSearcher, Retrieval, SearchFilter, to_hit
from assistant.types import Answer, AnswerMode, Claim, Clause

log = logging.getLogger(__name__)


class Condenser(Protocol):
    def condense(self, history: list[Exchange], question: str) -> str: ...


class StreamingAnswerer(Protocol):
    """A model that answers from retrieved clauses; yields text deltas, then the verified Draft."""

    mode: str

    def stream_draft(
        self, question: str, retrieval: Retrieval, fallback: ExtractiveAnswerer
    ) -> Iterator[str | Thinking | Draft]: ...


class AnswerEngine:
    def __init__(
        self,
        searcher: HybridSearcher,
        extractive: ExtractiveAnswerer,
        rule_condenser: RuleCondenser,
        llm: StreamingAnswerer | None = None,
        llm_condenser: Condenser | None = None,
        k: int = 5,
        default_mode: AnswerMode = "extractive",
    ):
        self.searcher = searcher
        self.extractive = extractive
        self.rule_condenser = rule_condenser
        self.llm = llm
        self.llm_condenser = llm_condenser
        self.k = k
        self.default_mode: AnswerMode = default_mode

    def resolve_mode(self, mode: AnswerMode | None) -> AnswerMode:
        mode = mode or self.default_mode
        if mode == "llm" and self.llm is None:
            raise UserError(
                "未配置大模型接口，无法使用 llm 模式。请设置 POLICY_ASSISTANT_LLM__BASE_URL，或改用 extractive 模式。"
            )
        return mode

    def conversation_scope(self, history: list[Exchange]) -> tuple[str, ...]:
        """The one document the latest turn that named a document was about, for 第N条 alone."""
        names = self.searcher.names()
        for exchange in reversed(history):
            named = names.resolve(exchange.standalone).doc_ids
            if named:
                return named if len(named) == 1 else ()
        return ()

    def stream(
        self,
        question: str,
        history: list[Exchange] | None = None,
        mode: AnswerMode | None = None,
        where: SearchFilter | None = None,
        k: int | None = None,
        statuses: bool = False,
    ) -> Iterator[str | Thinking | Answer]:
        """Yields text deltas while a model writes (LLM mode), then the final verified Answer.

        With `statuses`, also yields Thinking while a reasoning model thinks (for a UI status line).
        """
        chosen = self.resolve_mode(mode)
        started = time.perf_counter()
        history = history or []
        condenser: Condenser = self.llm_condenser if chosen == "llm" and self.llm_condenser else self.rule_condenser
        standalone = condenser.condense(history, question) if history else question
        condensed_at = time.perf_counter()
        retrieval = self.searcher.retrieve(standalone, k or self.k, where, self.conversation_scope(history))
        retrieved_at = time.perf_counter()
        draft: Draft | None = None
        if chosen == "llm" and self.llm is not None:
            for event in self.llm.stream_draft(standalone, retrieval, self.extractive):
                if isinstance(event, Draft):
                    draft = event
                elif isinstance(event, Thinking):
                    if statuses:
                        yield event
                else:
                    yield event
        else:
            draft = self.extractive.draft(retrieval)
        assert draft is not None
        finished = time.perf_counter()
        documents = self.searcher.index.document
        hits = [to_hit(i + 1, r, documents(r.clause.doc_id)) for i, r in enumerate(retrieval.ranked)]
        answer_mode: AnswerMode = "llm" if chosen == "llm" and not draft.fell_back else "extractive"
        claims = getattr(draft, "claims", None) or self.claims_of(draft, retrieval)
        yield Answer(
            question=question,
            standalone_question=standalone,
            answer=draft.answer,
            refused=draft.refused,
            mode=answer_mode,
            citations=draft.citations,
            hits=hits,
            notice=draft.notice,
            claims=claims,
            truncated=bool(getattr(draft, "truncated", False)),
            usage=draft.usage,
            sources_seen=getattr(draft, "sources_seen", None),
            timings={
                "condense_ms": round((condensed_at - started) * 1000, 2),
                "retrieval_ms": round((retrieved_at - condensed_at) * 1000, 2),
                "answer_ms": round((finished - retrieved_at) * 1000, 2),
                "total_ms": round((finished - started) * 1000, 2),
            },
        )

    def claims_of(self, draft: Draft, retrieval: Retrieval) -> list[Claim]:
        """The claims of an extractive answer, checked by the same grounding as a model's answer."""
        if draft.refused:
            return [Claim(text=draft.answer, citations=[], supported=False, reason="说明文件未涉及所问内容")]
        clauses: dict[str, Clause] = {r.clause.key: r.clause for r in retrieval.ranked}
        sources: list[Clause] = []
        for citation in sorted(draft.citations, key=lambda c: c.n):
            clause = clauses.get(f"{citation.doc_id}#{citation.clause}")
            if clause is None or citation.n != len(sources) + 1:
                log.error("extractive citation [%d] does not map to a retrieved clause", citation.n)
                return []
            sources.append(clause)
        return ground(draft.answer, sources).claims
