"""policy-assistant serve, mcp and ui: the HTTP API, the MCP server and the Streamlit app."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Literal

import click

from assistant.cli.context import Context, err, pass_context
from assistant.locations import shipped


@click.command()
@click.option("--host", default=None, help="监听地址（默认取设置 api.host，127.0.0.1）。")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="端口（默认取设置 api.port，8080）。")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="工作进程数（默认取设置 api.workers）。")
@pass_context
def serve(context: Context, host: str | None, port: int | None, workers: int | None) -> None:
    """启动 HTTP 接口（含 OpenAI 兼容的 /v1/chat/completions，文档在 /docs）。"""
    import uvicorn

    settings = context.settings
    context.ready()
    host, port = host or settings.api.host, port or settings.api.port
    workers = workers or settings.api.workers
    err.print(f"政策问答助手 API：http://{host}:{port}/v1 （接口文档 http://{host}:{port}/docs）", highlight=False)
    if workers > 1:
        # Each worker process builds its own app from the same settings (environment and settings file).
        uvicorn.run("assistant.api.factory:app", factory=True, host=host, port=port, workers=workers, log_config=None)
    else:
        from assistant.api import create_app

        uvicorn.run(create_app(settings, context.assistant), host=host, port=port, log_config=None)


@click.command()
@click.option(
    "--transport", type=click.Choice(["stdio", "http"]), default="stdio", show_default=True, help="传输方式。"
)
@click.option("--host", default=None, help="http 方式的监听地址（默认取设置 api.host）。")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="http 方式的端口（默认取设置 api.mcp_port）。"
)
@pass_context
def mcp(context: Context, transport: Literal["stdio", "http"], host: str | None, port: int | None) -> None:
    """启动 MCP 服务（供智能体调用：检索条款、取条款原文、回答问题、列出文档）。"""
    from assistant.mcp_server import build_server

    settings = context.settings
    assistant = context.assistant
    assistant.ensure_index()
    server = build_server(assistant)
    if transport == "stdio":
        server.run("stdio")
    else:
        host = host or settings.api.host
        if host not in ("127.0.0.1", "localhost", "::1"):
            # The MCP transport has no API keys: anyone who reaches the port can call the tools.
            err.print(f"[yellow]提示：[/yellow]MCP 服务不校验密钥，监听 {host} 时请用防火墙或反向代理限制访问。")
        server.run("streamable-http", host=host, port=port or settings.api.mcp_port)


def streamlit_flags(config: Path) -> list[str]:
    """The shipped .streamlit/config.toml as command-line flags, since an installed copy runs from any folder."""
    if not config.is_file():
        return []
    flags = []
    for section, values in tomllib.loads(config.read_text("utf-8")).items():
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{key}", text]
    return flags


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="端口。")
@pass_context
def ui(context: Context, port: int) -> None:
    """启动网页界面（Streamlit）。"""
    context.ready()
    app = shipped("ui") / "app.py"
    flags = streamlit_flags(shipped("streamlit") / "config.toml")
    command = [sys.executable, "-m", "streamlit", "run", str(app), *flags, "--server.port", str(port)]
    err.print(f"政策问答助手：http://localhost:{port}", highlight=False)
    sys.stdout.flush()
    sys.stderr.flush()
    # Become Streamlit rather than wait for it: a service manager's SIGTERM then stops the UI itself and never
    # leaves it running as an orphan.
    os.execve(sys.executable, command, os.environ.copy())


def register(cli: click.Group) -> None:
    for command in (serve, mcp, ui):
        cli.add_command(command)
