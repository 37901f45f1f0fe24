"""policy-assistant index, search and lint: JSON output, batch input, exit codes and Chinese errors.

The console script runs once per command (index, search, lint); the other tests run in process.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.embeddings import Embedder
from assistant.service import PolicyAssistant
from assistant.settings import Settings
from tests.conftest import clean_environment, invoke_cli, run_cli, write_doc

FLOOD = """关于做好防汛工作的通知

（一）压实防汛责任。各级政府要落实防汛抗旱行政首长

负责制。

（二）储备防汛物资。各地要提前储备沙袋和冲锋舟。
"""
HIT_KEYS = {"rank", "doc_id", "doc_title", "clause", "part", "label", "text", "score", "scores"} | {
    "doc_kind",
    "issuer",
    "version_date",
    "in_force",
}


def make_home(root: Path) -> dict[str, str]:
    """A corpus with one small document and an empty data dir, as environment variables."""
    write_doc(root / "corpus", "flood.txt", FLOOD)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_") and not k.startswith("CHROMA_")}
    env["POLICY_ASSISTANT_DATA_DIR"] = str(root / "data")
    env["POLICY_ASSISTANT_CORPUS_DIR"] = str(root / "corpus")
    return env


def run(env: dict[str, str], *args: str, stdin: str | None = None, cwd: Path | None = None):
    return run_cli(env, *args, stdin=stdin, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> tuple[dict[str, str], Path]:
    """One indexed data dir shared by the tests that do not need a fresh one."""
    root = tmp_path_factory.mktemp("cli")
    env = make_home(root)
    built = run(env, "index", "--json", cwd=root)
    assert built.returncode == 0, built.stderr
    return env, root


@pytest.fixture(scope="module")
def flood(home, embedder: Embedder) -> PolicyAssistant:
    """The shared indexed data dir, opened in process."""
    _, root = home
    with pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch, root / "data", root)
        settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus")
    return PolicyAssistant(settings, embedder=embedder)


def test_search_on_a_fresh_data_dir_builds_the_index_and_prints_json(tmp_path):
    env = make_home(tmp_path)
    assert not (tmp_path / "data").exists()

    result = run(env, "search", "防汛物资储备", "--json", "-k", "2", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "索引完成：1 个文档，2 个条款；新增 1" in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    payload = json.loads(lines[0])
    assert set(payload) == {"query", "hits"}
    assert payload["query"] == "防汛物资储备"
    assert len(payload["hits"]) == 2
    for hit in payload["hits"]:
        assert set(hit) == HIT_KEYS
        assert hit["doc_id"] == "flood"
        assert hit["doc_title"] == "关于做好防汛工作的通知"
        assert {"dense", "bm25"} <= set(hit["scores"])
    top = payload["hits"][0]
    assert (top["rank"], top["clause"], top["label"]) == (1, "二", "《通知》（二）储备防汛物资")
    assert top["text"] == "（二）储备防汛物资。各地要提前储备沙袋和冲锋舟。"
    assert payload["hits"][1]["text"] == "（一）压实防汛责任。各级政府要落实防汛抗旱行政首长负责制。"
    assert (tmp_path / "data" / "index").is_dir()


def test_second_search_reuses_the_index(flood):
    code, out, err = invoke_cli(flood, "search", "冲锋舟", "--json", "-k", "1")
    assert code == 0, err
    assert "索引完成" not in err
    assert [h["clause"] for h in json.loads(out)["hits"]] == ["二"]


def test_batch_search_from_stdin_prints_one_json_line_per_question(flood):
    questions = "防汛责任\n\n冲锋舟\n行政首长负责制\n"

    code, out, err = invoke_cli(flood, "search", "--batch", "-", "--json", "-k", "1", stdin=questions)

    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3
    payloads = [json.loads(line) for line in lines]
    assert [p["query"] for p in payloads] == ["防汛责任", "冲锋舟", "行政首长负责制"]
    assert [p["hits"][0]["clause"] for p in payloads] == ["一", "二", "一"]


def test_lint_json_lists_the_page_break_join(home):
    env, root = home

    result = run(env, "lint", "--json", cwd=root)

    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert list(payload) == ["flood"]
    assert [(f["kind"], f["clause"]) for f in payload["flood"]] == [("page_break_join", "一")]
    assert payload["flood"][0]["message"] == "段落在“抗旱行政首长”处被分页截断，已与下一段“负责制。”拼接。"


def test_index_with_a_missing_corpus_folder_exits_2_with_a_chinese_error(flood):
    code, out, err = invoke_cli(flood, "index", "--corpus", "/does/not/exist")

    assert code == 2
    assert err == "错误：文档目录不存在：/does/not/exist\n"
    assert out == ""


def test_empty_question_exits_2(flood):
    code, out, err = invoke_cli(flood, "search", "")
    assert code == 2
    assert err == "错误：问题为空，请输入要查询的内容。\n"
    assert out == ""


def test_invalid_setting_exits_2_naming_the_field(tmp_path):
    env = make_home(tmp_path)
    env["POLICY_ASSISTANT_RETRIEVAL__K"] = "0"
    result = run(env, "search", "防汛", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("错误：设置有误（retrieval.k）")


def test_index_progress_is_one_line_however_many_documents(tmp_path):
    """The bar is relabelled per document; a row per document was re-drawn ten times a second (half a core on a
    1,500-document library) and left one finished row per document behind."""
    env = make_home(tmp_path)
    for n in range(4):
        write_doc(tmp_path / "corpus", f"flood-{n}.txt", FLOOD.replace("沙袋", f"沙袋{n}号"))
    indexed = run_cli(env, "index")
    assert indexed.returncode == 0, indexed.stderr
    assert "新增 5" in indexed.stderr
    bar_lines = [line for line in indexed.stderr.splitlines() if "━" in line]
    assert len(bar_lines) == 1, indexed.stderr


def test_each_command_is_registered_by_the_module_the_table_names():
    import importlib

    import click

    from assistant.cli import COMMAND_MODULES, cli

    registered: dict[str, str] = {}
    for module in sorted(set(COMMAND_MODULES.values())):
        group = click.Group()
        importlib.import_module(module).register(group)
        registered |= dict.fromkeys(group.commands, module)
    assert registered == COMMAND_MODULES
    assert cli.list_commands(click.Context(cli)) == sorted(registered)


def test_a_search_imports_neither_the_quiz_nor_the_evaluation_code(tmp_path):
    # Start-up time of a search: the command groups it does not use are not imported.
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from assistant.cli import run\n"
        "run(['search', '--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('assistant.quiz', 'assistant.evals'))))\n"
    )
    env = {**os.environ, "POLICY_ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "用法" in done.stdout or "Usage" in done.stdout
