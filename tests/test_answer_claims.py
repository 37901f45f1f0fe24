"""The JSON contract: `ask --json` carries claims covering every sentence, and whether the model was cut off."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.grounding import UNVERIFIED_MARK
from assistant.service import PolicyAssistant
from tests.fake_llm import FakeLLM, RecordedRequest

ELDER = "西部地区养老服务有哪些安排？"


@pytest.fixture
def env(directive_assistant: PolicyAssistant) -> dict[str, str]:
    return {
        "POLICY_ASSISTANT_DATA_DIR": str(directive_assistant.settings.data_dir),
        "POLICY_ASSISTANT_CORPUS_DIR": str(directive_assistant.settings.corpus_dir),
    }


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


def ask_json(env: dict[str, str], *args: str) -> dict:
    result = CliRunner().invoke(cli, ["ask", *args, "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def without_markers(text: str) -> str:
    return re.sub(r"\[\d+\]", "", text).replace("\n", "")


@pytest.mark.parametrize(
    "question", [ELDER, "支持哪些城市建设国际门户枢纽城市？", "到2035年西部地区的发展目标是什么？"]
)
def test_extractive_answer_claims_cover_every_sentence_and_all_verify(env, question):
    data = ask_json(env, question, "--mode", "extractive")

    assert data["truncated"] is False
    assert data["claims"]
    assert all(set(c) == {"text", "citations", "supported", "reason"} for c in data["claims"])
    assert all(c["supported"] and c["citations"] for c in data["claims"])
    assert "".join(c["text"] for c in data["claims"]) == without_markers(data["answer"])


def test_llm_answer_claims_mark_the_made_up_sentence_and_report_truncation(env, server):
    server.reset()

    def write(request: RecordedRequest) -> str:
        n, (_, text) = next((n, c) for n, c in request.clauses().items() if "（二十五）" in c[0])
        return f"西部地区要“{text.split('。')[1]}”[{n}]。专项资金500亿元[{n}]。还要“全面放"

    server.enqueue_scripted(write, finish_reason="length")
    data = ask_json(env | {"POLICY_ASSISTANT_LLM__BASE_URL": server.url + "/v1"}, ELDER, "--mode", "llm")

    assert data["mode"] == "llm"
    assert data["truncated"] is True
    assert data["sources_seen"] == 5
    assert [c["supported"] for c in data["claims"]] == [True, False, False]
    assert data["claims"][0]["citations"] == [1]
    shown = "".join(c["text"] + ("" if c["supported"] else UNVERIFIED_MARK) for c in data["claims"])
    assert shown == without_markers(data["answer"])


def test_langchain_runnable_answers_with_the_verified_answer(directive_assistant):
    from assistant.runnable import as_runnable

    runnable = as_runnable(directive_assistant, mode="extractive")

    single = runnable.invoke(ELDER)
    (batched,) = runnable.batch([{"question": ELDER}])

    expected = directive_assistant.ask(ELDER, mode="extractive")
    assert single.answer == batched.answer == expected.answer
    assert all(c.supported for c in single.claims)


def test_the_llm_layer_and_the_runnable_import_langchain_only_when_used():
    import subprocess
    import sys

    code = "import sys, assistant.runnable, assistant.llm, assistant.grounding; print('langchain_core' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
