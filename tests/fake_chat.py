"""An in-process chat model implementing assistant.llm's protocol, for cheap unit tests.

Replies are raw model output (a <think> block is stripped the way the real client strips it);
`history` keeps every message list the product sent, so a test can check the prompt too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant.llm import ChatEvent, Finish, LLMUnavailable, Messages, StreamingChat, Thinking
from assistant.llm.reasoning import ReasoningFilter


@dataclass(frozen=True)
class Reply:
    text: str = ""
    reasoning: str = ""
    finish: str = "stop"
    error: LLMUnavailable | None = None


@dataclass
class FakeChat(StreamingChat):
    chunk_size: int = 3
    history: list[Messages] = field(default_factory=list)
    _queue: deque[Reply] = field(default_factory=deque)

    def enqueue(self, text: str = "", reasoning: str = "", finish: str = "stop") -> None:
        self._queue.append(Reply(text, reasoning, finish))

    def enqueue_failure(self, reason: str = "大模型服务内部错误") -> None:
        self._queue.append(Reply(error=LLMUnavailable(reason, "scripted failure")))

    def stream(self, messages: Messages) -> Iterator[ChatEvent]:
        self.history.append(messages)
        reply = self._queue.popleft() if self._queue else Reply("")
        if reply.error is not None:
            raise reply.error
        if reply.reasoning:
            yield Thinking()
        visible = ReasoningFilter()
        for i in range(0, len(reply.text), self.chunk_size):
            yield from visible.feed(reply.text[i : i + self.chunk_size])
        yield from visible.flush()
        yield Finish(reply.finish)
