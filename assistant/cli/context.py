"""The one object the root command hands down to every sub-command: settings, the assistant, the terminal."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from assistant.index import SyncReport
from assistant.oplog import configure_logging
from assistant.service import PolicyAssistant
from assistant.settings import Settings, load_settings

err = Console(stderr=True, soft_wrap=True)  # one message, one line, whatever the terminal width


@contextmanager
def progress_bar() -> Iterator[object]:
    """A one-line terminal progress bar fed by the library's progress(stage, done, total) callback.

    It appears on the first update only, so a command with nothing to index prints no blank line. One line,
    relabelled per stage: a row per stage (one per document of a library) was re-drawn ten times a second, and
    on 1,500 documents that kept half a core busy.
    """
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        refresh_per_second=4,
    )
    task: list[TaskID] = []

    def update(stage: str, done: int, total: int) -> None:
        if not task:
            bar.start()
            task.append(bar.add_task(stage, total=total))
        bar.update(task[0], description=stage, completed=done, total=total)

    try:
        yield update
    finally:
        if task:
            bar.stop()


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
    """Settings and the assistant, created on first use; tests pass a prepared assistant instead."""

    def __init__(self, assistant: PolicyAssistant | None = None) -> None:
        if assistant is not None:
            self.__dict__["assistant"] = assistant
            self.__dict__["settings"] = assistant.settings

    @cached_property
    def settings(self) -> Settings:
        settings = load_settings()
        notice = configure_logging(settings)
        if notice:
            err.print(f"[yellow]提示：[/yellow]{notice}", highlight=False)
        return settings

    @cached_property
    def assistant(self) -> PolicyAssistant:
        return PolicyAssistant(self.settings)

    def ready(self) -> PolicyAssistant:
        """The assistant with an index that matches the corpus (built or refreshed with a progress bar)."""
        with progress_bar() as update:
            report = self.assistant.ensure_index(update)  # type: ignore[arg-type]
        if report is not None:
            print_sync_report(report)
        notice = self.assistant.index.notice
        if notice and self.__dict__.get("shown_notice") != notice:  # once per command, however many questions
            self.__dict__["shown_notice"] = notice
            err.print(f"[yellow]提示：[/yellow]{escape(notice)}", highlight=False)
        # A command's process ends soon: what start-up built (catalog, BM25, tokenizer, jieba) lives until then, so
        # later collections and the one at exit skip it (it still is freed by reference counting if replaced).
        gc.freeze()
        return self.assistant


pass_context = click.make_pass_decorator(Context)


def current_context() -> Context:
    """The root's Context, for commands that are not decorated with pass_context."""
    obj = click.get_current_context().find_root().obj
    assert isinstance(obj, Context)
    return obj
