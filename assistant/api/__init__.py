"""The HTTP API (FastAPI): native /v1 endpoints and OpenAI-compatible chat, thin over PolicyAssistant."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from assistant.api import openai_compat, routes
from assistant.api.security import BodyLimit, RateLimiter, error_body
from assistant.apikeys import api_key_store
from assistant.errors import UserError
from assistant.service import PolicyAssistant
from assistant.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings, assistant: PolicyAssistant | None = None) -> BodyLimit:
    """The ASGI app; pass a prepared assistant to share an index (tests), else one is opened at start-up."""
    prepared = assistant or PolicyAssistant(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        prepared.ensure_index()
        prepared.engine  # noqa: B018  (built once here, not by the first concurrent requests)
        yield

    app = FastAPI(
        title="政策问答助手 API",
        description="检索政策条款、回答问题并逐字核验引用；另有 OpenAI 兼容的 /v1/chat/completions。",
        version="1",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.assistant = prepared
    app.state.keys = api_key_store(settings)
    app.state.limiter = RateLimiter(settings.api.requests_per_minute, settings.api.burst)
    app.include_router(routes.router)
    app.include_router(openai_compat.router)

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> JSONResponse:
        status = 404 if isinstance(exc, routes.NotFound) else 400
        log.info("%s %s refused: %s", request.method, request.url.path, exc)
        return JSONResponse(error_body(status, str(exc)), status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(error_body(exc.status_code, str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = "、".join(".".join(str(p) for p in e["loc"] if p != "body") or "请求体" for e in exc.errors())
        return JSONResponse(error_body(422, f"请求内容有误（{fields}），请对照 /docs 中的说明。"), 422)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse(error_body(500, "服务内部错误，详细信息已写入服务日志。"), 500)

    return BodyLimit(app, settings.api.max_body_kb * 1024)
