"""policy-assistant apikey: create, list and revoke the keys of the HTTP API."""

from __future__ import annotations

import json

import click

from assistant.apikeys import ROLES, api_key_store
from assistant.cli.context import Context, err, pass_context


@click.group("apikey")
def apikey() -> None:
    """HTTP 接口密钥：创建、列出、吊销。"""


@apikey.command("add")
@click.argument("name")
@click.option("--role", required=True, help="角色：" + "、".join(f"{r}（{n}）" for r, n in ROLES.items()) + "。")
@pass_context
def add(context: Context, name: str, role: str) -> None:
    """创建密钥；密钥只显示这一次（最后一行），请妥善保存。"""
    key, token = api_key_store(context.settings).add(name, role)
    err.print(f"已创建密钥“{key.name}”（角色：{key.role_name}）。密钥只显示这一次，请妥善保存：", highlight=False)
    click.echo(token)


@apikey.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_context
def list_keys(context: Context, as_json: bool) -> None:
    """列出密钥（不显示密钥本身）。"""
    keys = api_key_store(context.settings).all()
    if as_json:
        click.echo(json.dumps([k.model_dump() for k in keys], ensure_ascii=False))
        return
    for key in keys:
        state = f"已吊销 {key.revoked_at}" if key.revoked_at else "有效"
        click.echo(f"{key.name}  {key.role_name}  创建于 {key.created_at}  {state}")


@apikey.command("revoke")
@click.argument("name")
@pass_context
def revoke(context: Context, name: str) -> None:
    """吊销密钥：之后用它的请求都会被拒绝。"""
    api_key_store(context.settings).revoke(name)
    click.echo(f"已吊销密钥“{name}”。")


def register(cli: click.Group) -> None:
    cli.add_command(apikey)
