"""OpenAI-compatible chat completions and models, so Cherry Studio, Open WebUI or Dify can use the assistant as a model."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from assistant.answer.condense import Exchange
from assistant.api.schemas import ChatCompletionRequest, ChatMessage
from assistant.api.security import QUESTION_ROLES, authenticate, require_roles
from assistant.errors import UserError
from assistant.service import PolicyAssistant
from assistant.types import Answer

MODEL_ID = "policy-assistant"
SOURCES_HEADING = "来源："
router = APIRouter(prefix="/v1", dependencies=[Depends(authenticate)])


def sources_block(answer: Answer) -> str:
    """The compact source list appended to the answer text: one line per citation, with its verification."""
    if not answer.citations:
        if answer.refused and answer.hits:
            return "\n\n相关条款（仅供参考）：\n" + "\n".join(f"- {h.label}" for h in answer.hits[:3])
        return ""
    lines = [f"[{c.n}] {c.label}（{'已核实' if c.verified else '未核实'}）" for c in answer.citations]
    return f"\n\n{SOURCES_HEADING}\n" + "\n".join(lines)


def strip_sources(text: str) -> str:
    """An earlier assistant message without the source list we appended to it."""
    for marker in (f"\n\n{SOURCES_HEADING}\n", "\n\n相关条款（仅供参考）：\n"):
        text = text.split(marker)[0]
    return text.strip()


def conversation(assistant: PolicyAssistant, messages: list[ChatMessage]) -> tuple[str, list[Exchange]]:
    """The last user message and the earlier user/assistant pairs as history (system messages are ignored)."""
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise UserError("messages 的最后一条必须是用户的问题（role 为 user）。")
    pairs: list[tuple[str, str]] = []
    pending: str | None = None
    for message in turns[:-1]:
        if message.role == "user":
            pending = message.text()
        elif pending is not None:
            pairs.append((pending, strip_sources(message.text())))
            pending = None
    return turns[-1].text(), assistant.replay(pairs)


def extension(answer: Answer) -> dict[str, Any]:
    """Structured citations for clients that read past the text (OpenAI clients ignore unknown fields)."""
    return {
        "citations": [c.model_dump() for c in answer.citations],
        "policy_assistant": {
            "question": answer.question,
            "standalone_question": answer.standalone_question,
            "answer": answer.answer,
            "refused": answer.refused,
            "mode": answer.mode,
            "notice": answer.notice,
            "verified": bool(answer.citations) and all(c.verified for c in answer.citations),
        },
    }


def full_text(answer: Answer) -> str:
    notice = f"\n\n提示：{answer.notice}" if answer.notice else ""
    return answer.answer + notice + sources_block(answer)


@router.get("/models", summary="模型列表 / Models (OpenAI-compatible)")
def models() -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "policy-assistant"}],
    }


def _check_model(body: ChatCompletionRequest, request: Request) -> None:
    if body.model != MODEL_ID:
        raise UserError(f"未知模型“{body.model}”，请使用 {MODEL_ID}。")
    if len(body.messages) > request.app.state.settings.api.max_messages:
        raise UserError(f"对话消息过多（{len(body.messages)} 条），请开始新对话。")


@router.post(
    "/chat/completions",
    dependencies=[Depends(require_roles(*QUESTION_ROLES))],
    summary="对话补全 / Chat completions (OpenAI-compatible)",
)
def chat_completions(body: ChatCompletionRequest, request: Request) -> Any:
    """Answers the last user message with verified citations; earlier messages drive follow-ups."""
    _check_model(body, request)
    assistant: PolicyAssistant = request.app.state.assistant
    question, history = conversation(assistant, body.messages)
    events = assistant.ask_stream(question, history)
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    if body.stream:
        return StreamingResponse(stream_chunks(events, completion_id, created), media_type="text/event-stream")
    answer = [e for e in events if isinstance(e, Answer)][-1]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL_ID,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": full_text(answer)},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        **extension(answer),
    }


def stream_chunks(events: Iterator[str | Answer], completion_id: str, created: int) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        payload = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    streamed = ""
    try:
        for event in events:
            if isinstance(event, Answer):
                if not streamed:
                    text = full_text(event)
                elif event.answer != streamed.strip():
                    # What streamed failed verification in part; the client keeps the verified version too.
                    text = f"\n\n核验后的回答：\n{event.answer}" + full_text(event)[len(event.answer) :]
                else:
                    text = full_text(event)[len(event.answer) :]
                yield chunk({"content": text})
                yield chunk({}, "stop", **extension(event))
            else:
                streamed += event
                yield chunk({"content": event})
    except UserError as exc:
        yield chunk({"content": f"错误：{exc}"})
        yield chunk({}, "stop")
    yield "data: [DONE]\n\n"
