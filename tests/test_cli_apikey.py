"""policy-assistant apikey add / list / revoke, in process."""

from __future__ import annotations

import json

from assistant.apikeys import api_key_store
from tests.conftest import invoke_cli


def test_add_prints_the_key_alone_on_the_last_line_and_it_verifies(writable_directive):
    code, out, err = invoke_cli(writable_directive, "apikey", "add", "trainer-1", "--role", "培训管理员")
    assert code == 0, err
    assert "密钥只显示这一次" in err
    token = out.splitlines()[-1]
    assert out == token + "\n"
    key = api_key_store(writable_directive.settings).verify(token)
    assert key is not None and (key.name, key.role, key.role_name) == ("trainer-1", "trainer", "培训管理员")


def test_list_never_shows_the_secret_and_revoke_ends_the_key(writable_directive):
    _, out, _ = invoke_cli(writable_directive, "apikey", "add", "eval-1", "--role", "evaluator")
    token = out.strip()
    code, listed, _ = invoke_cli(writable_directive, "apikey", "list", "--json")
    assert code == 0 and token not in listed
    assert {"name": "eval-1", "role": "evaluator"}.items() <= next(
        k for k in json.loads(listed) if k["name"] == "eval-1"
    ).items()
    assert invoke_cli(writable_directive, "apikey", "revoke", "eval-1")[0] == 0
    assert api_key_store(writable_directive.settings).verify(token) is None
    code, _, err = invoke_cli(writable_directive, "apikey", "revoke", "eval-1")
    assert code == 2 and err == "错误：没有名为“eval-1”的有效密钥。\n"


def test_unknown_role_and_duplicate_name_are_chinese_errors(writable_directive):
    code, out, err = invoke_cli(writable_directive, "apikey", "add", "x", "--role", "boss")
    assert code == 2 and out == ""
    assert err.startswith("错误：未知角色“boss”，可选：civil_servant（公务员）、trainer（培训管理员）")
    assert invoke_cli(writable_directive, "apikey", "add", "dup", "--role", "learner")[0] == 0
    code, _, err = invoke_cli(writable_directive, "apikey", "add", "dup", "--role", "learner")
    assert code == 2 and err.startswith("错误：已有名为“dup”的密钥")
