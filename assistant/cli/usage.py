"""Click's English usage errors, said in one Chinese sentence."""

from __future__ import annotations

import click

HELP_HINT = "请运行 policy-assistant --help 查看用法。"


def _command(exc: click.ClickException) -> str:
    ctx = getattr(exc, "ctx", None)
    return ctx.command_path if ctx is not None else "policy-assistant"


def _hint(exc: click.ClickException) -> str:
    return f"请运行 {_command(exc)} --help 查看用法。"


def _param(exc: click.BadParameter | click.MissingParameter) -> str:
    if exc.param_hint is not None:
        hint = exc.param_hint
        return " / ".join(hint) if isinstance(hint, list | tuple) else str(hint)
    if exc.param is not None:
        return exc.param.opts[0] if exc.param.opts else str(exc.param.name)
    return "参数"


def usage_message(exc: click.ClickException) -> str:
    """One Chinese sentence naming what was wrong; the English original goes to the log."""
    if isinstance(exc, click.exceptions.NoSuchCommand):
        suggestion = f"（是否想用 {'、'.join(exc.possibilities)}？）" if exc.possibilities else ""
        return f"没有“{exc.command_name}”这个命令{suggestion}，{_hint(exc)}"
    if isinstance(exc, click.NoSuchOption):
        suggestion = f"（是否想用 {'、'.join(exc.possibilities)}？）" if exc.possibilities else ""
        return f"没有 {exc.option_name} 这个选项{suggestion}，{_hint(exc)}"
    if isinstance(exc, click.MissingParameter):
        return f"缺少 {_param(exc)}，{_hint(exc)}"
    if isinstance(exc, click.BadParameter):
        return f"{_param(exc)} 的取值无效，{_hint(exc)}"
    if isinstance(exc, click.BadOptionUsage):
        return f"选项 {exc.option_name} 的用法有误（可能缺少取值），{_hint(exc)}"
    if isinstance(exc, click.FileError):
        return f"无法打开文件 {exc.ui_filename}，请检查路径和读取权限。"
    if isinstance(exc, click.UsageError):
        return f"命令用法有误，{_hint(exc)}"
    return f"命令未能执行，{HELP_HINT}"
