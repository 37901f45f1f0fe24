"""policy-assistant chat: a conversation in the terminal, or one JSON answer per stdin line (--jsonl)."""

from __future__ import annotations

import io
import logging
import sys

import click
from rich.markup import escape

from assistant.answer.condense import Exchange
from assistant.cli.context import Context, err, pass_context
from assistant.cli.core import MODE, error_line, print_answer
from assistant.errors import UserError
from assistant.service import PolicyAssistant
from assistant.types import Answer, AnswerMode

log = logging.getLogger("assistant.cli")


def _stdin() -> io.TextIOBase:
    """Standard input that keeps undecodable bytes (as surrogates), so one bad line fails alone."""
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="surrogateescape")
    return sys.stdin  # type: ignore[return-value]


def chat_jsonl(assistant: PolicyAssistant, mode: AnswerMode | None) -> None:
    history: list[Exchange] = []
    for number, line in enumerate(_stdin(), start=1):
        text = line.strip()
        if not text:
            continue
        try:
            reply = assistant.ask(text, history=history, mode=mode)
        except UserError as exc:
            log.warning("chat question on line %d skipped: %s", number, exc)
            click.echo(error_line("question", text, exc, number))
            continue
        history.append(Exchange(text, reply.standalone_question, reply.answer))
        click.echo(reply.model_dump_json())


def chat_terminal(assistant: PolicyAssistant, mode: AnswerMode | None) -> None:
    history: list[Exchange] = []
    _stdin()
    click.echo("政策问答助手：请输入问题（/new 新对话，/exit 退出）。")
    while True:
        try:
            text = input("问：").strip()
        except EOFError:
            break
        if text in ("/exit", "/quit"):
            break
        if text == "/new":
            history = []
            click.echo("已开始新对话。")
            continue
        if not text:
            continue
        try:
            answer: Answer | None = None
            streamed = False
            streamed_text = ""
            for event in assistant.ask_stream(text, history=history, mode=mode):
                if isinstance(event, Answer):
                    answer = event
                else:
                    if not streamed:
                        click.echo("答：", nl=False)
                    streamed = True
                    streamed_text += event
                    click.echo(event, nl=False)
        except UserError as exc:
            err.print(f"[red]错误：[/red]{escape(str(exc))}", highlight=False)
            continue
        assert answer is not None
        if not streamed:
            click.echo("答：", nl=False)
        if streamed and (answer.mode != "llm" or answer.answer != streamed_text.strip()):
            # The verified answer differs from what streamed (fallback, or invalid markers removed).
            click.echo()
            click.echo("核验后的回答：")
            click.echo(answer.answer)
            streamed = False
        print_answer(answer, streamed=streamed)
        history.append(Exchange(text, answer.standalone_question, answer.answer))


@click.command()
@click.option("--mode", type=MODE, default=None, help="回答方式：extractive（离线摘录）或 llm（大模型）。")
@click.option("--jsonl", is_flag=True, help="从标准输入每行读一个问题，保持对话上下文，每个回答输出一行 JSON。")
@pass_context
def chat(context: Context, mode: AnswerMode | None, jsonl: bool) -> None:
    """多轮对话：追问会结合上文（输入 /new 开始新对话，/exit 退出）。"""
    assistant = context.ready()
    assistant.engine.resolve_mode(mode)
    if jsonl:
        chat_jsonl(assistant, mode)
    else:
        chat_terminal(assistant, mode)


def register(cli: click.Group) -> None:
    cli.add_command(chat)
