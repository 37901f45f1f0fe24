"""The one layer below everything that calls a chat model: answering, follow-up rewriting, quiz, the judge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.llm.base import (
    ChatEvent,
    ChatModel,
    Completion,
    Finish,
    LLMUnavailable,
    Messages,
    StreamingChat,
    TextDelta,
    Thinking,
    collect,
)
from assistant.llm.reasoning import strip_reasoning

if TYPE_CHECKING:
    from assistant.llm.openai_chat import OpenAICompatibleChat
    from assistant.settings import LLMSettings

__all__ = [
    "ChatEvent",
    "ChatModel",
    "Completion",
    "Finish",
    "LLMUnavailable",
    "Messages",
    "StreamingChat",
    "TextDelta",
    "Thinking",
    "collect",
    "make_chat",
    "strip_reasoning",
]


def make_chat(settings: LLMSettings) -> OpenAICompatibleChat:
    """The configured endpoint's client (imports `openai` only when a model is actually used)."""
    from assistant.llm.openai_chat import OpenAICompatibleChat

    return OpenAICompatibleChat(settings)
