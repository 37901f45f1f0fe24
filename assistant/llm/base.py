"""The chat-model boundary: one streaming method, events for text, reasoning and the finish reason."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer the user may see (reasoning already removed)."""

    text: str


@dataclass(frozen=True)
class Thinking:
    """The model is reasoning (reasoning_content or an open <think> block); nothing to show but the status."""


@dataclass(frozen=True)
class Finish:
    """The stream ended; `reason` is the server's finish_reason (stop, length, content_filter …) or None."""

    reason: str | None
    usage: dict[str, int] | None = None  # prompt_tokens, completion_tokens, where the server reports them

    @property
    def truncated(self) -> bool:
        return self.reason == "length"


ChatEvent = TextDelta | Thinking | Finish


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str | None

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


class LLMUnavailable(RuntimeError):
    """The endpoint failed after retries; `reason` is Chinese for the user."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


class ChatModel(Protocol):
    """Anything that streams a chat reply as events; `complete` collects one."""

    def stream(self, messages: Messages) -> Iterator[ChatEvent]: ...

    def complete(self, messages: Messages) -> str: ...


def collect(events: Iterator[ChatEvent]) -> Completion:
    """The visible text and finish reason of a whole stream."""
    parts: list[str] = []
    reason: str | None = None
    for event in events:
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, Finish):
            reason = event.reason
    return Completion("".join(parts).strip(), reason)


class StreamingChat(ABC):
    """Base for implementations: `complete` is the collected stream, reasoning already stripped."""

    @abstractmethod
    def stream(self, messages: Messages) -> Iterator[ChatEvent]: ...

    def completion(self, messages: Messages) -> Completion:
        return collect(self.stream(messages))

    def complete(self, messages: Messages) -> str:
        return self.completion(messages).text
