"""policy-assistant user …: local accounts from the terminal (the first administrator is created here)."""

from __future__ import annotations

import json
import sys

import click

from assistant.accounts import ROLES, AccountStore, account_store
from assistant.settings import load_settings

ACTOR = "cli"
ROLE = click.Choice(list(ROLES))
ROLE_HELP = "角色，可重复：" + "、".join(f"{k}（{v}）" for k, v in ROLES.items())


def _store() -> AccountStore:
    return account_store(load_settings())


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码"))


@click.group("user")
def user_group() -> None:
    """管理本地账号：新建、列出、修改角色、重设密码、解除锁定、停用。"""


@user_group.command("add")
@click.argument("username")
@click.option("--role", "roles", type=ROLE, multiple=True, required=True, help=ROLE_HELP)
@click.option("--name", "display_name", default="", help="显示名称（默认同用户名）。")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（供脚本使用）。")
def add(username: str, roles: tuple[str, ...], display_name: str, password_stdin: bool) -> None:
    """新建账号，例如第一个系统管理员：policy-assistant user add admin --role admin"""
    store = _store()
    user = store.add(username, _password(password_stdin), roles, actor=ACTOR, display_name=display_name)
    click.echo(f"已创建账号 {user.username}（{'、'.join(ROLES[r] for r in user.roles)}）。")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def list_users(as_json: bool) -> None:
    """列出全部账号及其角色和状态。"""
    users = _store().all()
    if as_json:
        rows = [
            {
                "username": u.username,
                "name": u.display_name,
                "roles": list(u.roles),
                "disabled": u.disabled,
                "locked": u.locked(),
            }
            for u in users
        ]
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not users:
        click.echo("还没有账号。用 policy-assistant user add NAME --role admin 创建第一个系统管理员。")
    for u in users:
        state = "已停用" if u.disabled else "已锁定" if u.locked() else "正常"
        click.echo(f"{u.username}\t{u.display_name}\t{'、'.join(ROLES[r] for r in u.roles)}\t{state}")


@user_group.command("roles")
@click.argument("username")
@click.option("--role", "roles", type=ROLE, multiple=True, required=True, help=ROLE_HELP)
def set_roles(username: str, roles: tuple[str, ...]) -> None:
    """把账号的角色改为给出的角色。"""
    _store().set_roles(username, roles, actor=ACTOR)
    click.echo(f"已修改 {username} 的角色。")


@user_group.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码。")
def passwd(username: str, password_stdin: bool) -> None:
    """重设账号密码（同时解除锁定）。"""
    _store().set_password(username, _password(password_stdin), actor=ACTOR)
    click.echo(f"已重设 {username} 的密码。")


@user_group.command("unlock")
@click.argument("username")
def unlock(username: str) -> None:
    """解除因密码连续错误而锁定的账号。"""
    _store().unlock(username, actor=ACTOR)
    click.echo(f"已解除 {username} 的锁定。")


@user_group.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="重新启用账号。")
def disable(username: str, enable: bool) -> None:
    """停用账号（--enable 重新启用）。"""
    _store().set_disabled(username, not enable, actor=ACTOR)
    click.echo(f"已{'启用' if enable else '停用'} {username}。")


def register(cli: click.Group) -> None:
    cli.add_command(user_group)
