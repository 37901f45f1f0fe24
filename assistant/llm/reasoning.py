"""Reasoning models: <think>…</think> in the content is the model's scratchpad, never the answer."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.llm.base import ChatEvent, TextDelta, Thinking

OPEN_TAGS = ("<think>", "<thinking>", "<reasoning>")
_CLOSE = {"<think>": "</think>", "<thinking>": "</thinking>", "<reasoning>": "</reasoning>"}
_BLOCK = re.compile(r"<(think|thinking|reasoning)>.*?(?:</\1>|\Z)", re.DOTALL | re.IGNORECASE)
_STRAY_CLOSE = re.compile(r"^.*?</(?:think|thinking|reasoning)>", re.DOTALL | re.IGNORECASE)


def strip_reasoning(text: str) -> str:
    """Text without complete or unterminated reasoning blocks (and without a leading block whose <think> was eaten)."""
    text = _BLOCK.sub("", text)
    # Some servers (DeepSeek-R1 templates) put <think> in the prompt, so the reply starts inside it.
    text = _STRAY_CLOSE.sub("", text, count=1)
    return text.strip() if text.strip() else ""


class ReasoningFilter:
    """Incremental strip_reasoning for streams: feed deltas, get visible text and thinking signals."""

    def __init__(self) -> None:
        self._buffer = ""
        self._inside: str | None = None  # the closing tag we wait for
        self._seen_text = False

    def feed(self, delta: str) -> Iterator[ChatEvent]:
        self._buffer += delta
        while self._buffer:
            if self._inside is not None:
                end = self._buffer.lower().find(self._inside)
                if end < 0:
                    # Keep a tail that might be the start of the closing tag.
                    keep = len(self._inside) - 1
                    self._buffer = self._buffer[-keep:] if len(self._buffer) > keep else self._buffer
                    yield Thinking()
                    return
                self._buffer = self._buffer[end + len(self._inside) :]
                self._inside = None
                yield Thinking()
                continue
            lowered = self._buffer.lower()
            starts = [(lowered.find(tag), tag) for tag in OPEN_TAGS if lowered.find(tag) >= 0]
            stray = lowered.find("</think>") if not self._seen_text else -1
            if stray >= 0 and not starts:
                # An answer that begins inside an implicit <think> block.
                self._buffer = self._buffer[stray + len("</think>") :]
                yield Thinking()
                continue
            if starts:
                at, tag = min(starts)
                if at > 0:
                    yield from self._emit(self._buffer[:at])
                self._buffer = self._buffer[at + len(tag) :]
                self._inside = _CLOSE[tag]
                continue
            # No tag yet: hold back a suffix that could be the start of one.
            hold = _partial_tag_suffix(lowered)
            visible = self._buffer[: len(self._buffer) - hold]
            self._buffer = self._buffer[len(self._buffer) - hold :]
            yield from self._emit(visible)
            return

    def flush(self) -> Iterator[ChatEvent]:
        if self._inside is None and self._buffer:
            yield from self._emit(self._buffer)
        self._buffer = ""

    def _emit(self, text: str) -> Iterator[ChatEvent]:
        if not text:
            return
        if not self._seen_text:
            text = text.lstrip()
            if not text:
                return
        self._seen_text = True
        yield TextDelta(text)


def _partial_tag_suffix(lowered: str) -> int:
    """Length of the longest suffix that is a proper prefix of a reasoning tag."""
    longest = 0
    for tag in (*OPEN_TAGS, "</think>"):
        for size in range(1, len(tag)):
            if lowered.endswith(tag[:size]):
                longest = max(longest, size)
    return longest
