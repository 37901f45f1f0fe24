"""Request bodies of the HTTP API (responses are the library's own types: SearchResult, Answer, ClauseView…)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.retrieve import SearchFilter
from assistant.types import Answer


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Scope(Request):
    docs: list[str] = Field(default_factory=list, description="Only these documents (doc ids); empty means all.")
    parts: list[str] = Field(default_factory=list, description="Only these parts (二, or the full heading).")

    def where(self) -> SearchFilter | None:
        return SearchFilter(doc_ids=tuple(self.docs), parts=tuple(self.parts)) if self.docs or self.parts else None


class SearchRequest(Scope):
    query: str = Field(description="The question or keywords.")
    k: int | None = Field(None, ge=1, le=50, description="Clauses returned; the settings' retrieval.k if unset.")


class Turn(Request):
    question: str
    answer: str = ""
    standalone_question: str | None = None


class AskRequest(Scope):
    question: str
    mode: Literal["extractive", "llm"] | None = Field(None, description="Answerer; the settings' default if unset.")
    k: int | None = Field(None, ge=1, le=50)
    history: list[Turn] = Field(default_factory=list, max_length=20, description="Earlier turns, oldest first.")
    stream: bool = Field(False, description="Answer as server-sent events: delta, citations, answer, done.")


class FeedbackRequest(Request):
    answer: Answer = Field(description="The answer as /v1/ask returned it.")
    rating: Literal["up", "down"]
    reasons: list[str] = Field(default_factory=list, description="不准确, 不完整, 引用错误, 其他.")
    comment: str = Field("", max_length=2000)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # clients send name, tool_calls… that we do not use

    role: str
    content: str | list[dict[str, object]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # the content-parts form: keep the text parts
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, top_p… are accepted and ignored

    model: str
    messages: list[ChatMessage]
    stream: bool = False
