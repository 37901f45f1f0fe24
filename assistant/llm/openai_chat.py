"""The OpenAI-compatible client (vLLM, Ollama, llama.cpp, DeepSeek, Qwen …) with our retries and deadline."""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from assistant.llm.base import ChatEvent, Finish, LLMUnavailable, Messages, StreamingChat, Thinking
from assistant.llm.reasoning import ReasoningFilter
from assistant.settings import LLMSettings

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionChunk

log = logging.getLogger(__name__)

MAX_BACKOFF = 8.0
# Fields reasoning models stream their scratchpad in; never shown, only signalled.
REASONING_FIELDS = ("reasoning_content", "reasoning")


class OpenAICompatibleChat(StreamingChat):
    """The `openai` client against any compatible server, with our own retries and an overall deadline."""

    def __init__(self, settings: LLMSettings):
        from openai import OpenAI

        self.settings = settings
        self.client = OpenAI(
            base_url=settings.base_url,
            # Local servers accept any key; the client refuses an empty one.
            api_key=settings.api_key.get_secret_value() if settings.api_key else "not-needed",
            timeout=settings.timeout,
            max_retries=0,
        )

    def stream(self, messages: Messages) -> Iterator[ChatEvent]:
        """Visible text, thinking signals and the finish reason; LLMUnavailable when the endpoint keeps failing."""
        import openai

        retryable = (
            openai.APITimeoutError,
            openai.APIConnectionError,
            openai.RateLimitError,
            openai.InternalServerError,
        )
        attempts = self.settings.max_retries + 1
        deadline = time.monotonic() + self.settings.timeout * attempts
        for attempt in range(1, attempts + 1):
            produced = False
            try:
                response = self.client.chat.completions.create(
                    model=self.settings.model,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=self.settings.temperature,
                    stream=True,
                    max_tokens=self.settings.answer_tokens,
                    stream_options={"include_usage": True} if self.settings.report_usage else openai.omit,
                )
                visible = ReasoningFilter()
                finish: str | None = None
                usage: dict[str, int] | None = None
                for chunk in cast("Iterable[ChatCompletionChunk]", response):
                    if time.monotonic() > deadline:
                        raise LLMUnavailable("大模型响应超时", "overall deadline exceeded while streaming")
                    if chunk.usage is not None:
                        usage = {
                            "prompt_tokens": int(chunk.usage.prompt_tokens or 0),
                            "completion_tokens": int(chunk.usage.completion_tokens or 0),
                        }
                    if not chunk.choices:
                        continue
                    choice = chunk.choices[0]
                    if choice.finish_reason:
                        finish = choice.finish_reason
                    if _reasoning(choice.delta):
                        produced = True
                        yield Thinking()
                    if choice.delta.content:
                        produced = True
                        yield from visible.feed(choice.delta.content)
                yield from visible.flush()
                yield Finish(finish, usage)
                return
            except LLMUnavailable:
                raise
            except retryable as exc:
                status = getattr(exc, "status_code", None)
                log.warning(
                    "llm request failed attempt=%d/%d error=%s status=%s", attempt, attempts, type(exc).__name__, status
                )
                wait = retry_after(exc)
                if wait is None:
                    wait = min(MAX_BACKOFF, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random())
                if produced or attempt == attempts or time.monotonic() + wait > deadline:
                    raise LLMUnavailable(_reason(exc), f"{type(exc).__name__} status={status}") from exc
                time.sleep(wait)
            except openai.APIStatusError as exc:
                log.error("llm request rejected status=%s error=%s", exc.status_code, type(exc).__name__)
                raise LLMUnavailable(_reason(exc), f"status={exc.status_code}") from exc
            except Exception as exc:  # malformed SSE or JSON from the server
                log.error("llm response unreadable error=%s: %s", type(exc).__name__, exc)
                raise LLMUnavailable("大模型返回的数据格式有误", f"{type(exc).__name__}: {exc}") from exc

    def health(self) -> bool:
        """Whether the endpoint answers a model listing within a short timeout."""
        try:
            self.client.with_options(timeout=3.0, max_retries=0).models.list()
            return True
        except Exception as exc:
            log.info("llm health check failed: %s", type(exc).__name__)
            return False


def _reasoning(delta: Any) -> bool:
    extra = getattr(delta, "model_extra", None) or {}
    return any(extra.get(name) for name in REASONING_FIELDS)


def retry_after(exc: Exception) -> float | None:
    """Seconds the server asked us to wait (Retry-After-Ms, Retry-After as seconds or an HTTP date), or None."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def _reason(exc: Exception) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "大模型响应超时"
    if isinstance(exc, openai.APIConnectionError):
        return "无法连接大模型服务"
    if isinstance(exc, openai.RateLimitError):
        return "大模型服务繁忙（请求过多）"
    if isinstance(exc, openai.AuthenticationError):
        return "大模型服务拒绝了访问密钥"
    if isinstance(exc, openai.InternalServerError):
        return "大模型服务内部错误"
    return "大模型服务返回错误"
