"""policy-assistant: the root command; every command group registers itself from its own module.

To add a command group, give its module a `register(cli: click.Group) -> None` function that calls
`cli.add_command(...)`, and add its command names with the module's name to COMMAND_MODULES below. Commands receive
the root's Context with `@pass_context` (assistant.cli.context) or `@click.pass_obj`; they never import
this package, so there is no import circle.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click
from rich.markup import escape

from assistant.cli.context import Context, err, pass_context
from assistant.cli.usage import usage_message
from assistant.errors import UserError

__all__ = ["COMMAND_MODULES", "Context", "cli", "err", "main", "pass_context", "run"]

log = logging.getLogger("assistant.cli")

# Command name → the module that registers it. A command's module is imported when the command runs (or when
# help lists them all): a search does not pay for importing the evaluation and quiz code (~0.3 s of start-up).
COMMAND_MODULES = {
    "index": "assistant.cli.core",
    "search": "assistant.cli.core",
    "ask": "assistant.cli.core",
    "lint": "assistant.cli.core",
    "chat": "assistant.cli.chat",
    "eval": "assistant.evals.cli",
    "quiz": "assistant.quiz.cli",
    "apikey": "assistant.cli.apikey",
    "serve": "assistant.cli.serve",
    "ui": "assistant.cli.serve",
    "mcp": "assistant.cli.serve",
    "user": "assistant.accounts_cli",
}


class LazyCommands(click.Group):
    """The root group: each command group's module is imported on first use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._registered: set[str] = set()  # modules whose commands are added

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)  # in help, click.Group's order

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            # An unknown name loads them all: click suggests close names from the registered commands.
            wanted = [COMMAND_MODULES[cmd_name]] if cmd_name in COMMAND_MODULES else COMMAND_MODULES.values()
            for module in set(wanted) - self._registered:
                importlib.import_module(module).register(self)
                self._registered.add(module)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """政策问答助手：索引政策文件，检索并引用原文条款。"""
    if not isinstance(ctx.obj, Context):
        ctx.obj = Context()


def run(args: list[str] | None = None, obj: Context | None = None) -> int:
    """Run the command line and return its exit code; every error is one Chinese line on stderr."""
    try:
        cli.main(args=args, prog_name="policy-assistant", standalone_mode=False, obj=obj)
    except UserError as exc:
        err.print(f"[red]错误：[/red]{escape(str(exc))}", highlight=False)
        return 2
    except click.exceptions.Abort:
        err.print("已取消。")
        return 130
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()
        return 2
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        log.info("usage error: %s", exc.format_message())
        err.print(f"[red]错误：[/red]{escape(usage_message(exc))}", highlight=False)
        return 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        err.print("已中断；索引保持一致，下次运行会继续。")
        return 130
    except Exception:
        log.exception("unexpected error")
        err.print(
            "[red]错误：[/red]发生内部错误，详细信息已写入数据目录下的 logs/policy-assistant.log。", highlight=False
        )
        return 1
    return 0


def main() -> None:
    sys.exit(run())
