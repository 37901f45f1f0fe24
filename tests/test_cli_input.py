"""Bad input to the command line, in process: bad bytes, invisible characters, empty batches, usage errors."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import COMMAND, DIRECTIVE_ID, invoke_cli

RIVER = "河长制有什么要求？"
BAD = "\udcff\udcfe养老"  # what Python makes of the bytes ff fe in a UTF-8 argument or line


invoke = invoke_cli


@pytest.mark.parametrize("command", ["ask", "search"])
@pytest.mark.parametrize(
    ("question", "message"),
    [
        (BAD, "问题中有无法识别的字符"),
        ("\u200b\u200c\u200d\ufeff", "问题为空"),
        ("\x01\x02\x1b[2J", "问题为空"),
        ("  \t\u3000 ", "问题为空"),
    ],
)
def test_a_bad_question_is_one_chinese_error_exit_2(directive_assistant, command, question, message):
    code, out, err = invoke(directive_assistant, command, question, "--json")
    assert code == 2
    assert out == ""
    assert err.startswith("错误：" + message)
    assert len(err.strip().splitlines()) == 1


def test_invisible_characters_inside_a_question_are_removed(directive_assistant):
    code, out, _ = invoke(directive_assistant, "ask", "河长\u200b制有\x07什么要求？", "--json")
    assert code == 0
    assert json.loads(out)["question"] == RIVER


def test_a_batch_with_bad_lines_answers_the_others_and_reports_each_bad_line(directive_assistant):
    lines = [
        RIVER.encode(),
        b"\xff\xfe\xe5\x85\xbb\xe8\x80\x81",
        "\u200b\x01".encode(),
        "意见支持新疆加快建设什么核心区？".encode(),
    ]
    code, out, _ = invoke(directive_assistant, "ask", "--batch", "-", "--json", stdin=b"\n".join(lines) + b"\n")
    assert code == 0
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == 4
    assert results[0]["question"] == RIVER and results[0]["citations"]
    assert set(results[1]) == {"question", "error", "line"} and results[1]["line"] == 2
    assert results[1]["error"].startswith("问题中有无法识别的字符")
    assert results[1]["question"] == "\ufffd\ufffd养老"
    assert results[2]["line"] == 3 and results[2]["error"] == "问题为空，请输入要查询的内容。"
    assert "丝绸之路经济带核心区" in results[3]["answer"]


def test_search_batch_reports_bad_lines_too(directive_assistant):
    code, out, _ = invoke(
        directive_assistant,
        "search",
        "--batch",
        "-",
        "--json",
        "-k",
        "1",
        stdin=b"\xc3\n\xe6\xb2\xb3\xe9\x95\xbf\xe5\x88\xb6\n",
    )
    assert code == 0
    bad, good = (json.loads(line) for line in out.splitlines())
    assert bad["line"] == 1 and "error" in bad and "query" in bad
    assert good["query"] == "河长制" and good["hits"][0]["clause"] == "十六"


def test_an_empty_batch_says_so(directive_assistant):
    for stdin in ("", "\n  \n\n"):
        code, out, err = invoke(directive_assistant, "ask", "--batch", "-", stdin=stdin)
        assert code == 2 and out == ""
        assert err.startswith("错误：问题文件中没有问题")


def test_chat_jsonl_survives_bad_lines_and_keeps_the_conversation(directive_assistant):
    stdin = "国家对西部地区的医疗有什么支持？\n".encode() + b"\xff\n" + "\u200b\n那教育方面呢？\n".encode()
    code, out, _ = invoke(directive_assistant, "chat", "--jsonl", stdin=stdin)
    assert code == 0
    first, bad, empty, follow_up = (json.loads(line) for line in out.splitlines())
    assert first["citations"]
    assert bad["line"] == 2 and bad["error"].startswith("问题中有无法识别的字符")
    assert empty["line"] == 3 and empty["error"] == "问题为空，请输入要查询的内容。"
    assert follow_up["standalone_question"] == "国家对西部地区的教育有什么支持？"


def test_interactive_chat_reports_a_bad_line_and_goes_on(directive_assistant):
    code, out, err = invoke(directive_assistant, "chat", stdin=b"\xff\xfe\n" + RIVER.encode() + b"\n/exit\n")
    assert code == 0
    assert "错误：问题中有无法识别的字符" in err
    assert "全面推进河长制、湖长制" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", RIVER, "--doc", "no-such-doc"], "没有编号为 no-such-doc 的文档，可用的文档编号：" + DIRECTIVE_ID),
        (["search", RIVER, "--part", "九十"], "所选文档中没有“九十”这一部分"),
        (["ask", RIVER, "--doc", DIRECTIVE_ID, "--part", "一百"], "所选文档中没有“一百”这一部分"),
    ],
)
def test_unknown_doc_or_part_is_an_error_not_an_empty_result(directive_assistant, args, message):
    code, out, err = invoke(directive_assistant, *args)
    assert code == 2 and out == ""
    assert err.startswith("错误：" + message)


def test_a_known_part_still_filters(directive_assistant):
    code, out, _ = invoke(directive_assistant, "search", "河长制", "--part", "四", "--json")
    assert code == 0
    assert all(hit["part"].startswith("四、") for hit in json.loads(out)["hits"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["serch", "x"],
            "错误：没有“serch”这个命令（是否想用 search、user、serve？），请运行 policy-assistant --help 查看用法。",
        ),
        (["search", "x", "--bogus"], "错误：没有 --bogus 这个选项，请运行 policy-assistant search --help 查看用法。"),
        (["search", "x", "-k", "0"], "错误：-k 的取值无效，请运行 policy-assistant search --help 查看用法。"),
        (["search", "x", "-k"], "错误：选项 -k 的用法有误（可能缺少取值），请运行 policy-assistant --help 查看用法。"),
        (["ask", "x", "--mode", "gpt"], "错误：--mode 的取值无效，请运行 policy-assistant ask --help 查看用法。"),
        (
            ["ask", "--batch", "/no/such/file"],
            "错误：--batch 的取值无效，请运行 policy-assistant ask --help 查看用法。",
        ),
        (["apikey", "add", "bob"], "错误：缺少 --role，请运行 policy-assistant apikey add --help 查看用法。"),
    ],
)
def test_usage_errors_are_one_chinese_line_exit_2(directive_assistant, args, message):
    code, out, err = invoke(directive_assistant, *args)
    assert code == 2 and out == ""
    assert err.strip() == message


def test_invalid_utf8_argument_as_installed(directive_assistant, tmp_path):
    env = {
        "POLICY_ASSISTANT_DATA_DIR": str(directive_assistant.settings.data_dir),
        "POLICY_ASSISTANT_CORPUS_DIR": str(directive_assistant.settings.corpus_dir),
        "PATH": "/usr/bin:/bin",
    }
    import os

    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    result = subprocess.run(
        [str(COMMAND), "ask", b"\xff\xfe\xe5\x85\xbb\xe8\x80\x81"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )  # type: ignore[list-item]
    assert result.returncode == 2
    assert result.stdout == b""
    assert (
        result.stderr.decode().strip()
        == "错误：问题中有无法识别的字符（不是有效的 UTF-8 文本），请检查文件或终端的编码。"
    )
