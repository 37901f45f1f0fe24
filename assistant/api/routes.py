"""The native API: health, search, ask (JSON or server-sent events), documents, clauses, feedback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from assistant.answer.condense import Exchange
from assistant.api.schemas import AskRequest, FeedbackRequest, SearchRequest, Turn
from assistant.api.security import QUESTION_ROLES, authenticate, error_body, require_roles
from assistant.errors import UserError
from assistant.service import PolicyAssistant
from assistant.types import Answer, ClauseView, DocumentInfo, SearchResult

router = APIRouter(prefix="/v1")
authenticated = [Depends(authenticate)]
asking = [Depends(require_roles(*QUESTION_ROLES))]


def assistant_of(request: Request) -> PolicyAssistant:
    return request.app.state.assistant


def history_of(assistant: PolicyAssistant, turns: list[Turn]) -> list[Exchange]:
    """The client's turns; a turn without its standalone question gets it re-derived."""
    if all(t.standalone_question for t in turns):
        return [Exchange(t.question, t.standalone_question or t.question, t.answer) for t in turns]
    return assistant.replay([(t.question, t.answer) for t in turns])


@router.get("/health", summary="服务状态 / Service health")
def health(request: Request) -> dict[str, object]:
    """Index state, documents, embedding model and whether the LLM endpoint answers (no key needed)."""
    return assistant_of(request).health()


@router.post("/search", dependencies=asking, summary="检索条款 / Search clauses")
def search(body: SearchRequest, request: Request) -> SearchResult:
    return assistant_of(request).search(body.query, body.k, body.where())


def sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def answer_events(events: Iterator[str | Answer]) -> Iterator[str]:
    """delta (text as written), citations, answer (the verified Answer), done; or error."""
    streamed = False
    try:
        for event in events:
            if isinstance(event, Answer):
                if not streamed:  # the extractive answerer writes all at once
                    yield sse("delta", {"text": event.answer})
                yield sse("citations", [c.model_dump() for c in event.citations])
                yield sse("answer", event.model_dump(mode="json"))
            else:
                streamed = True
                yield sse("delta", {"text": event})
    except UserError as exc:
        yield sse("error", error_body(400, str(exc))["error"])
    yield sse("done", {})


@router.post("/ask", dependencies=asking, response_model=Answer, summary="回答问题 / Answer with verified citations")
def ask(body: AskRequest, request: Request) -> Any:
    """The same JSON as `policy-assistant ask --json`; with `stream: true`, server-sent events."""
    assistant = assistant_of(request)
    events = assistant.ask_stream(body.question, history_of(assistant, body.history), body.mode, body.where(), body.k)
    if body.stream or "text/event-stream" in request.headers.get("accept", ""):
        return StreamingResponse(answer_events(events), media_type="text/event-stream")
    return [e for e in events if isinstance(e, Answer)][-1]


@router.get("/documents", dependencies=authenticated, summary="文档列表 / List documents")
def documents(request: Request) -> list[DocumentInfo]:
    return assistant_of(request).documents()


@router.get("/documents/{doc_id}/clauses/{clause}", dependencies=authenticated, summary="条款原文 / One clause's text")
def clause(doc_id: str, clause: str, request: Request) -> ClauseView:
    try:
        return assistant_of(request).clause(doc_id, clause)
    except UserError as exc:
        raise NotFound(str(exc)) from exc


@router.post("/feedback", dependencies=asking, summary="反馈 / Feedback on an answer")
def feedback(body: FeedbackRequest, request: Request) -> dict[str, str]:
    answer_id = assistant_of(request).record_feedback(body.answer, body.rating, body.reasons, body.comment)
    return {"answer_id": answer_id}


class NotFound(UserError):
    """A UserError answered with 404."""
