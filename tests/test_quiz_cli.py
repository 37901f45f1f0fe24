"""policy-assistant quiz build / export / import, run as the installed command on the real directive."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest

from assistant.quiz.bank import QuizBank
from assistant.quiz.export import read_items
from assistant.quiz.types import BuildResult, stem_key
from assistant.service import PolicyAssistant
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def home(directive_assistant: PolicyAssistant, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    """A copy of the session's indexed data dir, so the commands may write (bank, logs) without touching it."""
    root = tmp_path_factory.mktemp("quiz-cli")
    shutil.copytree(directive_assistant.settings.data_dir, root / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_") and not k.startswith("CHROMA_")}
    env["POLICY_ASSISTANT_DATA_DIR"] = str(root / "data")
    env["POLICY_ASSISTANT_CORPUS_DIR"] = str(directive_assistant.settings.corpus_dir)
    return env, root


def run(home: tuple[dict[str, str], Path], *args: str) -> subprocess.CompletedProcess[str]:
    env, root = home
    return run_cli(env, "quiz", *args, cwd=root, timeout=300)


def test_build_prints_the_quiz_as_json(home):
    # Two clauses offer four sound items of these types (stems that echo their key, distractors of another field
    # and unbalanced true/false statements are held back; (十七)(十八)'s measures no longer offer enough).
    result = run(home, "build", "--scope", "八,九", "--n", "4", "--types", "single,blank", "--seed", "8", "--json")
    assert result.returncode == 0, result.stderr
    built = BuildResult.model_validate_json(result.stdout)
    assert len(built.items) == 4
    assert {i.type for i in built.items} == {"single", "blank"}
    assert {i.clause for i in built.items} <= {"八", "九"}
    assert built.seed == 8 and built.scope == "第（八）条、第（九）条（2 个条款）"
    again = run(home, "build", "--scope", "八,九", "--n", "4", "--types", "single,blank", "--seed", "8", "--json")
    assert BuildResult.model_validate_json(again.stdout).items == built.items


def test_build_reports_its_gates_and_writes_the_file(home):
    _, root = home
    # Part 三 (places, years, lists): part 二's measures have too few same-field distractors for single choice.
    result = run(home, "build", "--scope", "三", "--n", "8", "--seed", "3", "--out", "part3.json", "--save")
    assert result.returncode == 0, result.stderr
    assert "质量把关：候选" in result.stderr and "选用 8 道" in result.stderr
    assert "已存入题库 8 道（待审核）" in result.stderr
    assert result.stdout.startswith("1. [单选题] 《指导意见》三、（")  # the clause label, title included
    assert "   答案：" in result.stdout and "   出处：《指导意见》三、" in result.stdout
    items = read_items(root / "part3.json")
    assert len(items) == 8
    bank = QuizBank(root / "data" / "quiz.sqlite3")
    assert bank.counts() == {"draft": 8}
    # The same build again asks new questions: the bank's stems are left out, and the output says so.
    again = run(home, "build", "--scope", "三", "--n", "8", "--seed", "3", "--save")
    assert again.returncode == 0, again.stderr
    assert "题库中已有 " in again.stderr and "相同题干的题目，本次未再选用" in again.stderr
    stems = [stem_key(i) for i in bank.items()]
    assert len(stems) > 8 and len(set(stems)) == len(stems)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scope", "九十"], "范围中的“九十”不是文档中的文档标题、部分、章或条款"),
        (["--n", "0"], "题目数量“0”无效"),
        (["--n", "二十"], "题目数量“二十”无效"),
        (["--types", "single,essay"], "未知题型“essay”"),
        (["--seed", "abc"], "随机种子“abc”无效"),
        (["--difficulty", "extreme"], "难度“extreme”无效"),
        (["--out", "quiz.pdf"], "无法从文件名“quiz.pdf”判断导出格式"),
        (["--generator", "llm"], "没有配置大模型接口"),
    ],
)
def test_bad_build_input_is_refused_in_chinese_with_exit_code_2(home, args, message):
    result = run(home, "build", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def quiz_file(home) -> Path:
    _, root = home
    result = run(home, "build", "--n", "12", "--seed", "5", "--out", "quiz.json")
    assert result.returncode == 0, result.stderr
    return root / "quiz.json"


def test_export_writes_gift_xlsx_docx_and_aiken(home, quiz_file: Path):
    _, root = home
    for fmt, name in [
        ("gift", "quiz.gift.txt"),
        ("xlsx", "quiz.xlsx"),
        ("docx", "quiz.docx"),
        ("aiken", "quiz.aiken.txt"),
    ]:
        result = run(home, "export", str(quiz_file), "--format", fmt)
        assert result.returncode == 0, result.stderr
        expected = 12 if fmt != "aiken" else sum(1 for i in read_items(quiz_file) if i.type in ("single", "tf"))
        assert f"已导出 {expected} 道题到 {root / name}" in result.stderr
    assert (root / "quiz.gift.txt").read_text("utf-8").count("\n::") == 12
    assert openpyxl.load_workbook(root / "quiz.xlsx")["题目"].max_row == 13
    assert len(docx.Document(str(root / "quiz.docx")).sections) == 2
    assert read_items(root / "quiz.xlsx") == read_items(quiz_file)


def test_aiken_export_says_what_it_left_out(home, quiz_file: Path):
    result = run(home, "export", str(quiz_file), "--format", "aiken", "--out", "single.txt")
    assert result.returncode == 0, result.stderr
    items = read_items(quiz_file)
    kept = sum(1 for i in items if i.type in ("single", "tf"))
    assert f"已略过多选题和填空题 {len(items) - kept} 道" in result.stderr
    assert f"已导出 {kept} 道题到" in result.stderr  # the count is what the file holds
    assert (home[1] / "single.txt").read_text("utf-8").count("ANSWER: ") == kept


def test_export_refuses_a_bad_format_or_a_missing_file(home, quiz_file: Path):
    bad = run(home, "export", str(quiz_file), "--format", "pdf")
    assert bad.returncode == 2 and "导出格式“pdf”无效" in bad.stderr
    missing = run(home, "export", "nope.json", "--format", "gift")
    assert missing.returncode == 2 and "找不到题目文件" in missing.stderr
    same = run(home, "export", str(quiz_file), "--format", "json")
    assert same.returncode == 2 and "输出文件与输入文件相同" in same.stderr


def test_import_puts_a_file_into_the_bank_and_approved_items_export_for_the_evals(home, quiz_file: Path):
    _, root = home
    approved = [i.model_copy(update={"status": "approved"}) for i in read_items(quiz_file)]
    edited = root / "approved.json"
    edited.write_text(json.dumps({"items": [i.model_dump() for i in approved]}, ensure_ascii=False), "utf-8")
    result = run(home, "import", str(edited))
    assert result.returncode == 0, result.stderr
    assert "已导入 12 道题" in result.stderr
    exported = run(home, "export", "--bank", "--format", "eval", "--out", "evals.jsonl")
    assert exported.returncode == 0, exported.stderr
    rows = [json.loads(line) for line in (root / "evals.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == 12
    assert {r["id"] for r in rows} == {f"quiz-{i.id}" for i in approved}
    assert all(r["answerable"] and r["gold_clauses"] and r["key_facts"] for r in rows)
