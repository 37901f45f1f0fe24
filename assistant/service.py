"""The library facade the CLI and the UI call: one object holding the index and the searcher."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterator
from functools import cached_property

from assistant.answer.condense import Exchange, RuleCondenser
from assistant.answer.engine import AnswerEngine
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.embeddings import Embedder, make_embedder
from assistant.errors import UserError
from assistant.feedback import Rating, feedback_store
from assistant.index import PolicyIndex, Progress, SyncReport
from assistant.index_repair import write_failure
from assistant.lint import lint_corpus
from assistant.llm import Thinking
from assistant.retrieve import HybridSearcher, SearchFilter
from assistant.settings import Settings
from assistant.store import StoreUnavailable
from assistant.types import Answer, AnswerMode, ClauseView, DocumentInfo, LintFinding, SearchResult

log = logging.getLogger(__name__)


class PolicyAssistant:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or make_embedder(self.settings.embedding, self.settings.data_dir / "models")

    @cached_property
    def index(self) -> PolicyIndex:
        try:
            return PolicyIndex(self.settings, self.embedder)
        except StoreUnavailable as exc:
            if self.settings.chroma.host:
                raise UserError(
                    f"无法连接向量数据库服务 {exc}，请确认 Chroma 服务已启动，或取消 CHROMA_HOST 设置改用本地索引。"
                ) from exc
            # Embedded Chroma must write even to read: on a read-only or full disk, --rebuild would not help.
            blocked = write_failure(exc, self.settings.index_dir)
            if blocked is not None:
                raise UserError(
                    f"{blocked}。本地向量库（Chroma 内嵌模式）打开时也需要写入，请给数据目录写入权限，"
                    "或改用 Chroma 服务（CHROMA_HOST）。"
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
            from assistant.answer.llm import LLMAnswerer, LLMCondenser
            from assistant.llm import make_chat
            from assistant.prompts import load_prompts

            prompts = load_prompts(self.settings.prompts_dir)
            chat = make_chat(self.settings.llm)
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
        events = self.ask_events(question, history, mode, where, k)
        return (e for e in events if isinstance(e, str | Answer))

    def ask_events(
        self,
        question: str,
        history: list[Exchange] | None = None,
        mode: AnswerMode | None = None,
        where: SearchFilter | None = None,
        k: int | None = None,
    ) -> Iterator[str | Thinking | Answer]:
        """ask_stream plus Thinking events while a reasoning model thinks, for a status line."""
        question = validate_question(question)
        self.check_filter(where)
        return self.engine.stream(question, history, mode, where, k, statuses=True)

    def ensure_index(self, progress: Progress | None = None) -> SyncReport | None:
        report = self.index.ensure_ready(progress)
        if not self.index.clauses:
            raise UserError(
                f"索引中没有任何文档，请把文件放入文档目录（{self.settings.corpus_dir}）后运行 policy-assistant index。"
            )
        return report

    def open_index_for_rebuild(self) -> PolicyIndex:
        """The index, with a damaged local store moved aside rather than failing (for a rebuild)."""
        if "index" not in self.__dict__:
            self.__dict__["index"] = PolicyIndex(self.settings, self.embedder, repair=True)
        return self.index

    def sync(self, rebuild: bool = False, progress: Progress | None = None) -> SyncReport:
        index = self.open_index_for_rebuild() if rebuild else self.index
        return index.sync(rebuild=rebuild, progress=progress)

    def search(self, query: str, k: int | None = None, where: SearchFilter | None = None) -> SearchResult:
        query = validate_question(query)
        self.check_filter(where)
        return self.searcher.search(query, k or self.settings.retrieval.k, where)

    def lint(self) -> dict[str, list[LintFinding]]:
        return lint_corpus(list(self.index.documents))

    def replay(self, turns: list[tuple[str, str]]) -> list[Exchange]:
        """Earlier (question, answer) turns a client sends back, each question made standalone as when it was asked.

        The rule condenser is used here whatever the answer mode, so a long history costs no model calls.
        """
        history: list[Exchange] = []
        for question, answer in turns:
            standalone = self.engine.rule_condenser.condense(history, question) if history else question
            history.append(Exchange(question, standalone, answer))
        return history

    def check_filter(self, where: SearchFilter | None) -> None:
        """An unknown document or part is the user's mistake, not an empty result."""
        if where is None:
            return
        known = [d.doc_id for d in self.index.headers]
        unknown = [d for d in where.doc_ids if d not in known]
        if unknown:
            shown = "、".join(known[:8]) + ("…" if len(known) > 8 else "")
            raise UserError(f"没有编号为 {'、'.join(unknown)} 的文档，可用的文档编号：{shown or '（无）'}。")
        scope = [c for c in self.index.outline.values() if not where.doc_ids or c.doc_id in where.doc_ids]
        for part in where.parts:
            if not any(SearchFilter(parts=(part,)).allows(c) for c in scope):
                raise UserError(f"所选文档中没有“{part}”这一部分，请写部分的序号（如 二）或完整标题。")

    def documents(self) -> list[DocumentInfo]:
        return [
            DocumentInfo(
                doc_id=d.doc_id,
                title=d.title,
                short_title=d.short_title,
                kind=d.kind,
                issuer=d.issuer,
                version_date=d.version_date,
                in_force=d.in_force,
                origin=d.origin,
                clauses=len(d.clauses),
            )
            for d in self.index.headers
        ]

    def clause(self, doc_id: str, clause: str) -> ClauseView:
        """One clause by document and clause name (十七, 17, 第十七条 or （十七） all work)."""
        document = self.index.document(doc_id)
        if document is None:
            raise UserError(f"没有编号为 {doc_id} 的文档。")
        wanted = clause.strip().strip("（）()第条")
        found = next((c for c in document.clauses if c.clause == clause.strip()), None)
        found = found or next((c for c in document.clauses if c.clause.strip("第条") == wanted), None)
        if found is None and wanted.isdigit():
            found = next((c for c in document.clauses if c.number == int(wanted)), None)
        if found is None:
            raise UserError(f"《{document.short_title}》中没有“{clause}”这一条款。")
        return ClauseView(
            doc_id=document.doc_id,
            doc_title=document.title,
            clause=found.clause,
            part=found.part,
            label=found.label,
            text=found.text,
            version_date=document.version_date,
            in_force=document.in_force,
            status="现行有效" if document.in_force else "已被新版本取代",
        )

    def record_feedback(
        self, answer: Answer, rating: Rating, reasons: list[str] | None = None, comment: str = ""
    ) -> str:
        """Store feedback on an answer given back by a client; returns its id (the same answer, the same id)."""
        answer_id = hashlib.sha256(answer.model_dump_json().encode()).hexdigest()[:24]
        try:
            feedback_store(self.settings).record(answer_id, answer, rating, self.settings, reasons, comment)
        except ValueError as exc:
            raise UserError("反馈原因只能是：不准确、不完整、引用错误、其他。") from exc
        return answer_id

    def health(self) -> dict[str, object]:
        """Index state, document count, embedding model and whether the LLM answers, for monitoring."""
        llm: bool | None = None
        if self.settings.llm.configured:
            from assistant.answer.llm import OpenAICompatibleChat

            llm = OpenAICompatibleChat(self.settings.llm).health()
        return {
            "status": "ok" if self.index.ready else "no_index",
            "index_ready": self.index.ready,
            "documents": len(self.index.headers),
            "clauses": len(self.index.clauses),
            "embedding_model": self.embedder.model_id,
            "answer_mode": self.engine.default_mode,
            "llm_configured": self.settings.llm.configured,
            "llm_reachable": llm,
            "read_only": self.index.read_only is not None,
            "notice": self.index.notice,
        }


MAX_QUESTION_CHARS = 500


_INVISIBLE = {"Cc", "Cf", "Co"}  # control codes (but whitespace), zero-width characters, BOMs, private use
_TERMINAL_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def validate_question(text: str) -> str:
    """The question with control and invisible characters removed; bad encoding and empty text are refused."""
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise UserError("问题中有无法识别的字符（不是有效的 UTF-8 文本），请检查文件或终端的编码。")
    text = _TERMINAL_ESCAPE.sub(" ", text)  # pasted colour codes and cursor moves are not words
    visible = "".join(ch if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE else "" for ch in text)
    question = " ".join(visible.split())
    if not question:
        raise UserError("问题为空，请输入要查询的内容。")
    if len(question) > MAX_QUESTION_CHARS:
        raise UserError(f"问题过长（{len(question)} 字），请精简到 {MAX_QUESTION_CHARS} 字以内。")
    return question
