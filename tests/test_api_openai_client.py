"""`policy-assistant serve` as installed, driven by the real openai client over 127.0.0.1 (and `apikey add`)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from assistant.service import PolicyAssistant
from tests.conftest import COMMAND, DIRECTIVE_CORPUS, run_cli

RIVER = "河长制有什么要求？"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(
    directive_assistant: PolicyAssistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, Path]]:
    root = tmp_path_factory.mktemp("serve")
    shutil.copytree(directive_assistant.settings.data_dir, root / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICY_ASSISTANT_", "CHROMA_"))}
    env["POLICY_ASSISTANT_DATA_DIR"] = str(root / "data")
    env["POLICY_ASSISTANT_CORPUS_DIR"] = str(DIRECTIVE_CORPUS)
    added = run_cli(env, "apikey", "add", "cherry", "--role", "civil_servant", cwd=root)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"pa-[0-9a-f]{12}-[\w-]{40,}", key)
    port = free_port()
    process = subprocess.Popen(
        [str(COMMAND), "serve", "--port", str(port)], env=env, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        yield base, key, root
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_openai_client_gets_a_verified_answer(server):
    base, key, _ = server
    client = openai.OpenAI(base_url=base, api_key=key)
    assert [m.id for m in client.models.list()] == ["policy-assistant"]

    completion = client.chat.completions.create(model="policy-assistant", messages=[{"role": "user", "content": RIVER}])

    content = completion.choices[0].message.content or ""
    assert "全面推进河长制、湖长制" in content
    citations = (completion.model_extra or {})["citations"]
    assert citations and all(c["verified"] for c in citations)
    for citation in citations:
        assert f"“{citation['quote']}”[{citation['n']}]" in content
        assert f"[{citation['n']}] {citation['label']}（已核实）" in content


def test_openai_client_streams_and_follows_up(server):
    base, key, _ = server
    client = openai.OpenAI(base_url=base, api_key=key)
    first = client.chat.completions.create(
        model="policy-assistant", messages=[{"role": "user", "content": "国家对西部地区的医疗有什么支持？"}]
    )
    messages = [
        {"role": "user", "content": "国家对西部地区的医疗有什么支持？"},
        {"role": "assistant", "content": first.choices[0].message.content or ""},
        {"role": "user", "content": "那教育方面呢？"},
    ]

    stream = client.chat.completions.create(model="policy-assistant", messages=messages, stream=True)  # type: ignore[arg-type]
    pieces, extensions, finish = [], [], None
    for chunk in stream:
        pieces.append(chunk.choices[0].delta.content or "")
        finish = chunk.choices[0].finish_reason or finish
        if chunk.model_extra and "citations" in chunk.model_extra:
            extensions.append(chunk.model_extra)

    text = "".join(pieces)
    assert finish == "stop"
    (final,) = extensions
    assert final["policy_assistant"]["standalone_question"] == "国家对西部地区的教育有什么支持？"
    assert "二十二" in {c["clause"] for c in final["citations"]}
    assert all(c["verified"] for c in final["citations"])
    assert "\n\n来源：\n" in text and "（已核实）" in text


def test_openai_client_with_a_wrong_key_gets_an_authentication_error(server):
    base, _, _ = server
    client = openai.OpenAI(base_url=base, api_key="pa-000000000000-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="policy-assistant", messages=[{"role": "user", "content": RIVER}])
    assert "API 密钥无效" in str(caught.value)


def test_the_server_log_holds_no_key(server):
    base, key, root = server
    httpx.get(f"{base}/models", headers={"Authorization": f"Bearer {key}"})
    log = root / "data" / "logs" / "policy-assistant.log"
    assert log.is_file()
    assert key not in log.read_text("utf-8")
