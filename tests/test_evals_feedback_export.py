"""👎 feedback becomes draft eval items: `eval export-feedback` writes them, `eval check` says what is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from assistant.feedback import FeedbackStore
from assistant.types import Answer
from tests.conftest import DIRECTIVE_CORPUS, run_cli

DOWN_QUESTION = "意见对河长制是怎么要求的？"
UP_QUESTION = "意见提出加快规划建设哪些重大铁路工程？"


def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, cwd=cwd)


def environment_for(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICY_ASSISTANT_", "CHROMA_"))}
    env["POLICY_ASSISTANT_DATA_DIR"] = str(data_dir)
    env["POLICY_ASSISTANT_CORPUS_DIR"] = str(DIRECTIVE_CORPUS)
    env["COLUMNS"] = "1000"  # the error console must not wrap the lines the tests read
    return env


@pytest.fixture(scope="module")
def home(directive_assistant, tmp_path_factory) -> tuple[dict[str, str], Path]:
    root = tmp_path_factory.mktemp("feedback")
    shutil.copytree(directive_assistant.settings.data_dir, root / "data")
    return environment_for(root / "data"), root


@pytest.fixture(scope="module")
def disliked(directive_assistant, home) -> Answer:
    """A 👎 with two reasons and a comment on one answer, and a 👍 on another, as the chat page records them."""
    _, root = home
    store = FeedbackStore(root / "data" / "feedback.sqlite3")
    down = directive_assistant.ask(DOWN_QUESTION, mode="extractive")
    up = directive_assistant.ask(UP_QUESTION, mode="extractive")
    settings = directive_assistant.settings
    store.record(
        uuid.uuid4().hex, down, "down", settings, reasons=["不完整", "引用错误"], comment="没有提到湖长制的考核"
    )
    store.record(uuid.uuid4().hex, up, "up", settings)
    return down


@pytest.fixture(scope="module")
def exported(home, disliked) -> tuple[Path, subprocess.CompletedProcess[str]]:
    env, root = home
    out = root / "drafts.jsonl"
    return out, cli(env, root, "eval", "export-feedback", "--out", str(out))


def test_export_writes_one_draft_per_thumbs_down(exported):
    out, result = exported
    assert result.returncode == 0, result.stderr
    assert "已导出 1 条草稿" in result.stdout
    assert len(out.read_text("utf-8").splitlines()) == 1


def test_draft_never_prefills_gold_with_clauses_the_user_called_wrong(exported, disliked):
    out, _ = exported
    draft = json.loads(out.read_text("utf-8"))
    assert draft["question"] == DOWN_QUESTION
    assert disliked.citations, "the extractive answer cites the directive"
    assert draft["gold_clauses"] == []  # the reasons include 引用错误
    cited = [f"{c.doc_id}#{c.clause}" for c in disliked.citations]
    assert all(key in draft["note"] for key in cited)  # kept for the reviewer, in the note
    assert draft["answerable"] is True
    assert draft["key_facts"] == []
    assert draft["id"].startswith("fb-")
    assert draft["note"].startswith("待复核")


def test_draft_note_carries_the_reasons_and_comment(exported):
    out, _ = exported
    note = json.loads(out.read_text("utf-8"))["note"]
    assert "不完整" in note and "引用错误" in note
    assert "没有提到湖长制的考核" in note


def test_check_of_the_draft_asks_for_the_missing_key_facts(exported, home):
    env, root = home
    out, _ = exported
    draft_id = json.loads(out.read_text("utf-8"))["id"]
    result = cli(env, root, "eval", "check", str(out))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"第 1 行（{draft_id}）：可回答的问题必须给出 gold_clauses",
        f"第 1 行（{draft_id}）：可回答的问题必须给出 key_facts",
    ]


def test_export_without_thumbs_down_feedback_exits_2(tmp_path):
    out = tmp_path / "drafts.jsonl"
    result = cli(environment_for(tmp_path / "empty-data"), tmp_path, "eval", "export-feedback", "--out", str(out))
    assert result.returncode == 2
    assert "还没有“有问题”的反馈可导出" in result.stderr
    assert not out.exists()
