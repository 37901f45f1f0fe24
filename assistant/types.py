"""The data types passed between stages; the CLI's JSON is their serialisation."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sentence(Model):
    """One quotable sentence of a clause; offsets are into the clause text."""

    index: int
    text: str
    start: int
    end: int


ClauseKind = Literal["article", "item", "part_body", "preamble", "closing"]


class Clause(Model):
    """The citable unit: a numbered clause, or a part's body, preamble or closing text."""

    doc_id: str
    doc_title: str
    clause: str = Field(description="十七, 总体要求, 序言, 结语, 第三条 …")
    part: str = Field(description="The part heading as given, or empty.")
    heading: str = Field(description="Bracket label plus first sentence as given, or the part title.")
    label: str = Field(description="Human citation, e.g. 《指导意见》二、（三）推动形成现代化产业体系.")
    order: int = Field(description="Position of the clause in its document.")
    number: int | None = Field(None, description="The clause's own number (十七 → 17), if numbered.")
    start: int = Field(description="Character offset of the clause's first character in the source.")
    end: int = Field(description="Character offset just past the clause's last character.")
    text: str = Field(description="Full text as given, page breaks rejoined.")
    joins: list[int] = Field(default_factory=list, description="Offsets in text where page breaks were rejoined.")
    sentences: list[Sentence] = Field(default_factory=list)
    kind: ClauseKind = Field(
        "item",
        description="article: a 第X条 (its first sentence is the rule itself, quote it); item: a numbered directive "
        "clause （一）/1. whose first sentence is a heading; part_body, preamble, closing: unnumbered text.",
    )

    @property
    def key(self) -> str:
        return clause_key(self.doc_id, self.clause)

    @property
    def is_article(self) -> bool:
        return self.kind == "article"


def clause_key(doc_id: str, clause: str) -> str:
    return f"{doc_id}#{clause}"


DocumentKind = str
"""法律 / 行政法规 / 部门规章 / 司法解释 / 意见 / 通知 / 规划 / 其他; a data file maps titles and folders to kinds."""


class DocumentFields(Model):
    """What identifies a document and its version: shared by the whole Document and its DocumentHeader."""

    doc_id: str
    title: str = Field(description="Full title as the document gives it, e.g. 中华人民共和国社会保险法.")
    short_title: str = Field(description="The title legal writing cites by, e.g. 社会保险法 or 指导意见.")
    kind: DocumentKind = Field(
        "", description="法律, 行政法规, 部门规章, 司法解释, 意见, 通知, 规划 …; empty if unknown."
    )
    issuer: str = Field("", description="Issuing body (发布机关), empty if the document does not say.")
    promulgated: str | None = Field(None, description="公布/通过 date, ISO yyyy-mm-dd.")
    effective: str | None = Field(None, description="施行 date, ISO yyyy-mm-dd.")
    doc_number: str | None = Field(None, description="文号, e.g. 国发〔2020〕12号, where present.")
    version_date: str | None = Field(None, description="Date of this version (file name date or latest amendment).")
    in_force: bool = Field(True, description="False for an older version of a document that has a newer one.")
    aliases: list[str] = Field(default_factory=list, description="Other names users call it by (common abbreviations).")
    path: str
    origin: Literal["corpus", "uploaded"] = "corpus"
    format: str
    sha256: str


class Document(DocumentFields):
    source_text: str = Field(description="The decoded source as given.")
    clauses: list[Clause]
    page_breaks: list[int] = Field(
        default_factory=list, description="Source offsets of paragraphs rejoined to the one before."
    )


class Chunk(Model):
    """A piece of a clause sized for the embedding model; carries its clause's metadata."""

    id: str
    clause_key: str
    piece: int
    text: str


class IngestError(Model):
    path: str
    reason: str = Field(description="Chinese, for the user.")
    detail: str = Field(description="Technical, for the operator log.")


Severity = Literal["info", "warning", "error"]


class LintFinding(Model):
    doc_id: str
    kind: Literal[
        "numbering_gap",
        "page_break_join",
        "latin_in_chinese",
        "empty_clause",
        "duplicate_clause",
        "duplicate_number",
        "duplicate_document",
        "likely_typo",
    ]
    severity: Severity
    clause: str | None
    offset: int | None = Field(description="Character offset in the source, where one applies.")
    message: str = Field(description="Chinese, for the reader.")
    excerpt: str = ""


class Hit(Model):
    rank: int
    doc_id: str
    doc_title: str
    doc_kind: str = ""
    issuer: str = ""
    version_date: str | None = None
    in_force: bool = True
    clause: str
    part: str
    label: str
    text: str
    score: float
    scores: dict[str, float | None] = Field(description="Per-retriever scores: dense cosine, bm25.")

    @property
    def key(self) -> str:
        return clause_key(self.doc_id, self.clause)


class SearchResult(Model):
    query: str
    hits: list[Hit]


class Citation(Model):
    """A numbered reference from an answer to a clause, with the quoted words and whether they verify."""

    n: int
    doc_id: str
    clause: str
    label: str
    quote: str
    verified: bool
    start: int | None = Field(None, description="Offset of the verified quote in the clause text.")
    end: int | None = Field(None, description="End offset of the verified quote in the clause text.")


AnswerMode = Literal["extractive", "llm"]


class Claim(Model):
    """One sentence of an answer, with the citations it carries and whether every part of it verifies."""

    text: str
    citations: list[int] = Field(default_factory=list, description="Citation numbers n this claim cites.")
    supported: bool = Field(description="True only when every quote and every fact in the claim is in its clauses.")
    reason: str | None = Field(None, description="Why the claim is unsupported (Chinese), for the UI and evals.")


class Answer(Model):
    question: str
    standalone_question: str
    answer: str
    refused: bool
    mode: AnswerMode
    citations: list[Citation]
    hits: list[Hit]
    notice: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    claims: list[Claim] = Field(default_factory=list, description="Every sentence of the answer, verified or not.")
    truncated: bool = Field(False, description="The model stopped at its length limit (finish_reason=length).")
    sources_seen: int | None = Field(None, description="How many sources the model actually saw after truncation.")
    usage: dict[str, int] = Field(
        default_factory=dict, description="Tokens the model used (prompt_tokens, completion_tokens), if reported."
    )


class DocumentInfo(Model):
    """A document as listed by the API and MCP: its identity and version, without its text."""

    doc_id: str
    title: str
    short_title: str
    kind: str = ""
    issuer: str = ""
    version_date: str | None = None
    in_force: bool = True
    origin: str = "corpus"
    clauses: int


class ClauseView(Model):
    """One clause as the API and MCP return it: text, citation label, version and status."""

    doc_id: str
    doc_title: str
    clause: str
    part: str
    label: str
    text: str
    version_date: str | None = None
    in_force: bool = True
    status: str = Field(description="现行有效, or 已被新版本取代 for an older version.")


class ClauseOutline(Model):
    """A clause without its text: what start-up, document names, scope filters and pinning need."""

    doc_id: str
    clause: str
    part: str
    order: int
    number: int | None = None
    kind: ClauseKind = "item"
    digest: int = Field(description="64 bits of the text's SHA-256: the lexical index's change detector.")

    @property
    def key(self) -> str:
        return clause_key(self.doc_id, self.clause)

    @property
    def is_article(self) -> bool:
        return self.kind == "article"


class DocumentHeader(DocumentFields):
    """A document without its text (read at start-up); `clauses` is its outline, in order."""

    clauses: list[ClauseOutline]
