"""The library facade the CLI and the UI call: one object holding the index and the searcher."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import cached_property

from assistant.answer.condense import Exchange, RuleCondenser
from assistant.answer.engine import AnswerEngine
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.embeddings import Embedder, make_embedder
from assistant.errors import UserError
from assistant.index import PolicyIndex, Progress, SyncReport
from assistant.lint import lint_corpus
from assistant.retrieve import HybridSearcher, SearchFilter
from assistant.settings import Settings
from assistant.store import StoreUnavailable
from assistant.types import Answer, AnswerMode, LintFinding, SearchResult

log = logging.getLogger(__name__)


class PolicyAssistant:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or make_embedder(self.settings.embedding)

    @cached_property
    def index(self) -> PolicyIndex:
        try:
            return PolicyIndex(self.settings, self.embedder)
        except StoreUnavailable as exc:
            if self.settings.chroma.host:
                raise UserError(
                    f"无法连接向量数据库服务 {exc}，请确认 Chroma 服务已启动，或取消 CHROMA_HOST 设置改用本地索引。"
                ) from exc
            raise UserError("无法打开本地索引，请运行 policy-assistant index --rebuild 重建索引。") from exc

    @cached_property
    def searcher(self) -> HybridSearcher:
        return HybridSearcher.from_index(self.index)

    @cached_property
    def engine(self) -> AnswerEngine:
        extractive = ExtractiveAnswerer(self.index, max_sentences=self.settings.answer.max_sentences)
        rules = RuleCondenser(self.embedder, known=self.corpus_uses, names=self.searcher.names)
        llm = llm_condenser = None
        if self.settings.llm.configured:
            from assistant.answer.llm import LLMAnswerer, LLMCondenser, OpenAICompatibleChat
            from assistant.prompts import load_prompts

            prompts = load_prompts(self.settings.prompts_dir)
            chat = OpenAICompatibleChat(self.settings.llm)
            llm = LLMAnswerer(chat, prompts, self.settings.llm)
            llm_condenser = LLMCondenser(chat, prompts, fallback=rules)
        mode = self.settings.answer.mode
        default: AnswerMode = "llm" if mode == "llm" or (mode == "auto" and llm is not None) else "extractive"
        return AnswerEngine(
            self.searcher,
            extractive,
            rules,
            llm=llm,
            llm_condenser=llm_condenser,
            k=self.settings.retrieval.k,
            default_mode=default,
        )

    def corpus_uses(self, word: str) -> bool:
        """Whether any indexed clause contains the word (a follow-up about anything else leaves the topic)."""
        return any(word in clause.text for clause in self.index.clauses.values())

    def ask(
        self,
        question: str,
        history: list[Exchange] | None = None,
        mode: AnswerMode | None = None,
        where: SearchFilter | None = None,
        k: int | None = None,
    ) -> Answer:
        answers = [e for e in self.ask_stream(question, history, mode, where, k) if isinstance(e, Answer)]
        return answers[-1]

    def ask_stream(
        self,
        question: str,
        history: list[Exchange] | None = None,
        mode: AnswerMode | None = None,
        where: SearchFilter | None = None,
        k: int | None = None,
    ) -> Iterator[str | Answer]:
        return self.engine.stream(validate_question(question), history, mode, where, k)

    def ensure_index(self, progress: Progress | None = None) -> SyncReport | None:
        report = self.index.ensure_ready(progress)
        if not self.index.clauses:
            raise UserError(
                f"索引中没有任何文档，请把文件放入文档目录（{self.settings.corpus_dir}）后运行 policy-assistant index。"
            )
        return report

    def sync(self, rebuild: bool = False, progress: Progress | None = None) -> SyncReport:
        return self.index.sync(rebuild=rebuild, progress=progress)

    def search(self, query: str, k: int | None = None, where: SearchFilter | None = None) -> SearchResult:
        query = validate_question(query)
        return self.searcher.search(query, k or self.settings.retrieval.k, where)

    def lint(self) -> dict[str, list[LintFinding]]:
        return lint_corpus(list(self.index.documents))


MAX_QUESTION_CHARS = 500


def validate_question(text: str) -> str:
    question = " ".join(text.split())
    if not question:
        raise UserError("问题为空，请输入要查询的内容。")
    if len(question) > MAX_QUESTION_CHARS:
        raise UserError(f"问题过长（{len(question)} 字），请精简到 {MAX_QUESTION_CHARS} 字以内。")
    return question
