"""Who may call the API and how much: bearer API keys, a token bucket per key, a cap on request bodies."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException, Request

from assistant.apikeys import ROLES, APIKey, APIKeyStore

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RateLimiter:
    """A token bucket per key: `burst` requests at once, refilled at `per_minute` a minute (per process)."""

    def __init__(self, per_minute: int, burst: int):
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


def authenticate(request: Request) -> APIKey:
    """The caller's API key from `Authorization: Bearer …`, within its rate limit; else 401 or 429."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "缺少 API 密钥，请在请求头中加入 Authorization: Bearer <密钥>。")
    store: APIKeyStore = request.app.state.keys
    key = store.verify(token.strip())
    if key is None:
        raise HTTPException(401, "API 密钥无效或已吊销，请向管理员申请新的密钥。")
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.take(key.key_id)
    if wait:
        raise HTTPException(429, "请求过于频繁，请稍后再试。", headers={"Retry-After": str(max(1, math.ceil(wait)))})
    request.state.api_key = key
    return key


# Asking questions is the 公务员 role's work, as on the 问答 page; 原文 (documents, clauses) is open to every role.
QUESTION_ROLES = ("civil_servant",)


def require_roles(*roles: str) -> Callable[[Request], APIKey]:
    """A dependency that lets only keys of the given roles through; else 403 with a Chinese reason."""

    def check(request: Request) -> APIKey:
        key: APIKey = getattr(request.state, "api_key", None) or authenticate(request)
        if key.role not in roles:
            wanted = "、".join(ROLES[r] for r in roles)
            raise HTTPException(403, f"该密钥的角色（{ROLES.get(key.role, key.role)}）不能使用此接口，需要：{wanted}。")
        return key

    return check


class BodyLimit:
    """Refuse bodies over `limit` bytes with 413, whether announced in Content-Length or streamed in chunks."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._refuse(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Inside the app, so its exception handler answers 413 like any other error.
                    raise HTTPException(413, self.message)
            return message

        await self.app(scope, limited_receive, send)

    @property
    def message(self) -> str:
        return f"请求内容过大，上限为 {self.limit // 1024} KB。"

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(error_body(413, self.message), ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": body})


ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def error_body(status: int, message: str) -> dict[str, object]:
    """Errors in the OpenAI shape on every endpoint, so any OpenAI client shows the Chinese message."""
    return {"error": {"message": message, "type": ERROR_TYPES.get(status, "server_error"), "code": status}}
