"""policy-assistant: index, search, ask, chat and lint from the terminal (JSON with --json)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.accounts_cli import user_group
from assistant.answer.condense import Exchange
from assistant.errors import UserError
from assistant.index import SyncReport
from assistant.quiz.cli import quiz
from assistant.retrieve import SearchFilter
from assistant.service import PolicyAssistant
from assistant.settings import Settings, load_settings
from assistant.types import Answer, AnswerMode, SearchResult

ResultT = TypeVar("ResultT", SearchResult, Answer)
err = Console(stderr=True)
log = logging.getLogger("assistant.cli")


def configure_logging(settings: Settings) -> None:
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    file_handler = logging.FileHandler(logs / "policy-assistant.log", encoding="utf-8")
    file_handler.setLevel(logging.INFO)
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    stderr_handler = logging.StreamHandler(sys.stderr)
    stderr_handler.setLevel(settings.log_level.upper())
    stderr_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [file_handler, stderr_handler]
    root.setLevel(logging.INFO)
    for noisy in ("httpx", "chromadb", "urllib3", "jieba", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@contextmanager
def progress_bar() -> Iterator[object]:
    """A terminal progress bar fed by the library's progress(stage, done, total) callback."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        tasks: dict[str, object] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

        yield update


def print_sync_report(report: SyncReport) -> None:
    err.print(
        f"索引完成：{report.documents} 个文档，{report.clauses} 个条款；"
        f"新增 {len(report.added)}，更新 {len(report.updated)}，删除 {len(report.removed)}，"
        f"未变 {len(report.unchanged)}；用时 {report.seconds:.1f} 秒。",
        highlight=False,
    )
    for error in report.errors:
        err.print(f"[yellow]未能索引[/yellow] {Path(error.path).name}：{error.reason}", highlight=False)


class Context:
    def __init__(self) -> None:
        self.settings = load_settings()
        configure_logging(self.settings)
        self.assistant = PolicyAssistant(self.settings)

    def ready(self) -> PolicyAssistant:
        with progress_bar() as update:
            report = self.assistant.ensure_index(update)  # type: ignore[arg-type]
        if report is not None:
            print_sync_report(report)
        return self.assistant


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """政策问答助手：索引政策文件，检索并引用原文条款。"""
    ctx.obj = Context()


@cli.command()
@click.option("--corpus", type=click.Path(path_type=Path), help="文档目录（默认取设置中的 corpus_dir）。")
@click.option("--rebuild", is_flag=True, help="丢弃现有索引，从头重建。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@pass_context
def index(context: Context, corpus: Path | None, rebuild: bool, as_json: bool) -> None:
    """建立或增量更新索引。"""
    if corpus is not None and not corpus.is_dir():
        raise UserError(f"文档目录不存在：{corpus}")
    with progress_bar() as update:
        report = context.assistant.index.sync(corpus, rebuild=rebuild, progress=update)  # type: ignore[arg-type]
    if as_json:
        click.echo(report.model_dump_json())
    else:
        print_sync_report(report)


def _questions(question: str | None, batch: TextIO | None) -> list[str]:
    if batch is not None:
        return [line.strip() for line in batch if line.strip()]
    if question is None:
        raise UserError("请给出问题，或用 --batch 指定问题文件（每行一个，- 表示标准输入）。")
    return [question]


def for_each_question(
    questions: list[str],
    batched: bool,
    as_json: bool,
    key: str,
    produce: Callable[[str], ResultT],
    show: Callable[[ResultT], None],
) -> None:
    """Answer every question; in a batch a bad question becomes an error line instead of ending the run."""
    for text in questions:
        try:
            result = produce(text)
        except UserError as exc:
            if not batched:
                raise
            log.warning("batch question skipped: %s", exc)
            if as_json:
                click.echo(json.dumps({key: text, "error": str(exc)}, ensure_ascii=False))
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
                "--batch", type=click.File("r", encoding="utf-8"), help="问题文件，每行一个；- 表示标准输入。"
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


@cli.command()
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
    questions = _questions(question, batch)
    assistant = context.ready()
    where = _filter(doc, part)

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


MODE = click.Choice(["extractive", "llm"])


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


@cli.command()
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
    questions = _questions(question, batch)
    assistant = context.ready()
    assistant.engine.resolve_mode(mode)
    where = _filter(doc, part)

    def show(answer: Answer) -> None:
        click.echo(f"问：{answer.question}")
        print_answer(answer)
        click.echo()

    for_each_question(
        questions, batch is not None, as_json, "question", lambda q: assistant.ask(q, mode=mode, where=where), show
    )


@cli.command()
@click.option("--mode", type=MODE, default=None, help="回答方式：extractive（离线摘录）或 llm（大模型）。")
@click.option("--jsonl", is_flag=True, help="从标准输入每行读一个问题，保持对话上下文，每个回答输出一行 JSON。")
@pass_context
def chat(context: Context, mode: AnswerMode | None, jsonl: bool) -> None:
    """多轮对话：追问会结合上文（输入 /new 开始新对话，/exit 退出）。"""
    assistant = context.ready()
    assistant.engine.resolve_mode(mode)
    history: list[Exchange] = []
    if jsonl:
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            try:
                reply = assistant.ask(text, history=history, mode=mode)
            except UserError as exc:
                log.warning("chat question skipped: %s", exc)
                click.echo(json.dumps({"question": text, "error": str(exc)}, ensure_ascii=False))
                continue
            history.append(Exchange(text, reply.standalone_question, reply.answer))
            click.echo(reply.model_dump_json())
        return
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
            err.print(f"[red]错误：[/red]{exc}", highlight=False)
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


@cli.command()
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


from assistant.evals.cli import eval_group  # noqa: E402  (registered after the core commands)

cli.add_command(eval_group)


cli.add_command(quiz)
cli.add_command(user_group)


def main() -> None:
    try:
        cli.main(prog_name="policy-assistant", standalone_mode=False)
    except UserError as exc:
        err.print(f"[red]错误：[/red]{exc}", highlight=False)
        sys.exit(2)
    except click.exceptions.Abort:
        err.print("已取消。")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("已中断；索引保持一致，下次运行会继续。")
        sys.exit(130)
    except Exception:
        log.exception("unexpected error")
        err.print(
            "[red]错误：[/red]发生内部错误，详细信息已写入数据目录下的 logs/policy-assistant.log。", highlight=False
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
