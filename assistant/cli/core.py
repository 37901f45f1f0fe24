"""The core commands: index, search, ask and lint (JSON with --json)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

import click
from rich.markup import escape

from assistant.cli.context import Context, err, pass_context, print_sync_report, progress_bar
from assistant.errors import UserError
from assistant.retrieve import SearchFilter
from assistant.types import Answer, AnswerMode, SearchResult

ResultT = TypeVar("ResultT", SearchResult, Answer)
log = logging.getLogger("assistant.cli")
MODE = click.Choice(["extractive", "llm"])


def printable(text: str) -> str:
    """Text that came in with undecodable bytes, made safe to print (the bad bytes become �)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def error_line(key: str, text: str, exc: UserError, line: int | None = None) -> str:
    """The JSON object a batch prints in place of a result it could not produce."""
    payload: dict[str, object] = {key: printable(text), "error": str(exc)}
    if line is not None:
        payload["line"] = line
    return json.dumps(payload, ensure_ascii=False)


@click.command()
@click.option("--corpus", type=click.Path(path_type=Path), help="文档目录（默认取设置中的 corpus_dir）。")
@click.option("--rebuild", is_flag=True, help="丢弃现有索引，从头重建。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@pass_context
def index(context: Context, corpus: Path | None, rebuild: bool, as_json: bool) -> None:
    """建立或增量更新索引。"""
    if corpus is not None and not corpus.is_dir():
        raise UserError(f"文档目录不存在：{corpus}")
    with progress_bar() as update:
        target = context.assistant.open_index_for_rebuild() if rebuild else context.assistant.index
        report = target.sync(corpus, rebuild=rebuild, progress=update)  # type: ignore[arg-type]
    if as_json:
        click.echo(report.model_dump_json())
    else:
        print_sync_report(report)


def read_questions(question: str | None, batch: TextIO | None) -> list[tuple[int | None, str]]:
    """(line number, text) pairs; blank batch lines are skipped, an empty batch is an error."""
    if batch is not None:
        questions: list[tuple[int | None, str]] = [
            (n, line.strip()) for n, line in enumerate(batch, start=1) if line.strip()
        ]
        if not questions:
            raise UserError("问题文件中没有问题（每行写一个问题）。")
        return questions
    if question is None:
        raise UserError("请给出问题，或用 --batch 指定问题文件（每行一个，- 表示标准输入）。")
    return [(None, question)]


def for_each_question(
    questions: list[tuple[int | None, str]],
    batched: bool,
    as_json: bool,
    key: str,
    produce: Callable[[str], ResultT],
    show: Callable[[ResultT], None],
) -> None:
    """Answer every question; in a batch a bad question becomes an error line instead of ending the run."""
    for line, text in questions:
        try:
            result = produce(text)
        except UserError as exc:
            if not batched:
                raise
            log.warning("batch question on line %s skipped: %s", line, exc)
            if as_json:
                click.echo(error_line(key, text, exc, line))
            else:
                err.print(f"[yellow]第 {line} 行未处理：[/yellow]{escape(str(exc))}", highlight=False)
            continue
        if as_json:
            click.echo(result.model_dump_json())
        else:
            show(result)


def question_options(command: Callable[..., None]) -> Callable[..., None]:
    """--batch, --doc, --part and --json, shared by search and ask."""
    for option in reversed(
        [
            click.option(
                "--batch",
                # Undecodable bytes are kept (as surrogates) so that one bad line fails alone.
                type=click.File("r", encoding="utf-8", errors="surrogateescape"),
                help="问题文件，每行一个；- 表示标准输入。",
            ),
            click.option("--doc", multiple=True, help="只在指定文档中检索（文档编号，可重复）。"),
            click.option("--part", multiple=True, help="只在指定部分中检索（如 二，可重复）。"),
            click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（批量时每行一个对象）。"),
        ]
    ):
        command = option(command)
    return command


def _filter(doc: tuple[str, ...], part: tuple[str, ...]) -> SearchFilter | None:
    return SearchFilter(doc_ids=doc, parts=part) if doc or part else None


@click.command()
@click.argument("question", required=False)
@click.option("-k", "k", type=click.IntRange(1, 50), default=None, help="返回的条款数。")
@question_options
@pass_context
def search(
    context: Context,
    question: str | None,
    k: int | None,
    batch: TextIO | None,
    doc: tuple[str, ...],
    part: tuple[str, ...],
    as_json: bool,
) -> None:
    """检索与问题最相关的原文条款。"""
    questions = read_questions(question, batch)
    assistant = context.ready()
    where = _filter(doc, part)
    assistant.check_filter(where)

    def show(result: SearchResult) -> None:
        click.echo(f"问题：{result.query}")
        for hit in result.hits:
            dense = "-" if hit.scores["dense"] is None else f"{hit.scores['dense']:.3f}"
            bm25 = "-" if hit.scores["bm25"] is None else f"{hit.scores['bm25']:.2f}"
            click.echo(f"{hit.rank}. {hit.label}  （融合 {hit.score:.4f}｜向量 {dense}｜BM25 {bm25}）")
            snippet = hit.text if len(hit.text) <= 120 else hit.text[:120] + "…"
            click.echo(f"   {snippet}")
        click.echo()

    for_each_question(questions, batch is not None, as_json, "query", lambda q: assistant.search(q, k, where), show)


def print_answer(answer: Answer, streamed: bool = False) -> None:
    if answer.standalone_question != answer.question:
        click.echo(f"（按“{answer.standalone_question}”检索）")
    if not streamed:
        click.echo(answer.answer)
    else:
        click.echo()
    if answer.notice:
        click.echo(f"提示：{answer.notice}")
    if answer.citations:
        click.echo("引用：")
        for citation in answer.citations:
            badge = "已核实" if citation.verified else "未核实"
            click.echo(f"  [{citation.n}] {citation.label}（{badge}）“{citation.quote}”")
    if answer.refused and answer.hits:
        click.echo("相关条款（仅供参考）：")
        for hit in answer.hits[:3]:
            click.echo(f"  {hit.label}")


@click.command()
@click.argument("question", required=False)
@click.option("--mode", type=MODE, default=None, help="回答方式：extractive（离线摘录）或 llm（大模型）。")
@question_options
@pass_context
def ask(
    context: Context,
    question: str | None,
    batch: TextIO | None,
    mode: AnswerMode | None,
    doc: tuple[str, ...],
    part: tuple[str, ...],
    as_json: bool,
) -> None:
    """回答问题，并逐字核验所引用的原文条款。"""
    questions = read_questions(question, batch)
    assistant = context.ready()
    assistant.engine.resolve_mode(mode)
    where = _filter(doc, part)
    assistant.check_filter(where)

    def show(answer: Answer) -> None:
        click.echo(f"问：{answer.question}")
        print_answer(answer)
        click.echo()

    for_each_question(
        questions, batch is not None, as_json, "question", lambda q: assistant.ask(q, mode=mode, where=where), show
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_context
def lint(context: Context, as_json: bool) -> None:
    """检查文档中的编号缺失、分页拼接、中英混排、空条款和重复条款（不修改原文）。"""
    findings = context.ready().lint()
    if as_json:
        payload = {doc_id: [f.model_dump() for f in items] for doc_id, items in findings.items()}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for doc_id, items in findings.items():
        document = context.assistant.index.document(doc_id)
        click.echo(f"《{document.title if document else doc_id}》：{len(items)} 条提示")
        for finding in items:
            where = f"（{finding.clause}）" if finding.clause else ""
            click.echo(f"  [{finding.kind}] {where}{finding.message}")
            if finding.excerpt:
                click.echo(f"      …{finding.excerpt}…")


def register(cli: click.Group) -> None:
    for command in (index, search, ask, lint):
        cli.add_command(command)
