"""Credentials in URLs never reach the operator log or a stored config; a read-only data dir does not stop a command."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator

import pytest

from assistant.feedback import feedback_store
from assistant.oplog import configure_logging, log_path
from assistant.redact import redact, redact_data
from assistant.settings import Settings
from assistant.types import Answer


@pytest.fixture(autouse=True)
def our_handlers_removed() -> Iterator[None]:
    """configure_logging installs handlers on the root logger; take them away after each test."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_policy_assistant", False)]:
        root.removeHandler(handler)
        handler.close()


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("http://user:pw123@llm.example/v1", "pw123", "http://***@llm.example/v1"),
        ("https://tok3n@llm.example/v1/chat", "tok3n", "https://***@llm.example/v1/chat"),
        ("POST http://h/v1?api-key=s3cr3t&x=1", "s3cr3t", "http://h/v1?api-key=***&x=1"),
        ("GET http://h/v1?x=1&api_key=abc123def", "abc123def", "http://h/v1?x=1&api_key=***"),
        ("https://h/openai?token=zzz999", "zzz999", "https://h/openai?token=***"),
        ("headers {'Authorization': 'Bearer sk-live-123456'}", "sk-live-123456", "'Authorization': 'Bearer ***'"),
        ("redis://:onlypw@cache:6379/0", "onlypw", "redis://***@cache:6379/0"),
    ],
)
def test_credentials_are_masked(text, secret, kept):
    masked = redact(text)
    assert secret not in masked
    assert kept in masked


@pytest.mark.parametrize(
    "text", ["http://llm.example:8000/v1", "河长制有什么要求？", "monkey=banana", "user@example.com 发来邮件"]
)
def test_text_without_credentials_is_unchanged(text):
    assert redact(text) == text


def test_redact_data_walks_nested_configs():
    data = {"llm": {"base_url": "http://a:b@h/v1", "model": "qwen"}, "list": ["x?key=k1"], "n": 3}
    assert redact_data(data) == {"llm": {"base_url": "http://***@h/v1", "model": "qwen"}, "list": ["x?key=***"], "n": 3}


def test_every_log_line_is_redacted_including_tracebacks_and_httpx(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    configure_logging(settings)
    try:
        logging.getLogger("assistant.test").warning("calling %s", "http://u:hunter2@llm/v1?api-key=k-42")
        logging.getLogger("httpx").warning("HTTP Request: POST http://u:hunter2@llm/v1/chat/completions")
        try:
            raise ConnectionError("cannot reach http://u:hunter2@llm/v1")
        except ConnectionError:
            logging.getLogger("assistant.test").exception("request failed")
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()
    text = log_path(settings).read_text("utf-8")
    assert "hunter2" not in text and "k-42" not in text
    assert "calling http://***@llm/v1?api-key=***" in text
    assert "HTTP Request: POST http://***@llm/v1/chat/completions" in text
    assert "ConnectionError: cannot reach http://***@llm/v1" in text
    assert "Traceback" in text


def test_feedback_stores_settings_without_url_credentials(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", llm={"base_url": "http://u:hunter2@llm/v1?api-key=k-42"})
    answer = Answer(
        question="问", standalone_question="问", answer="答", refused=False, mode="extractive", citations=[], hits=[]
    )
    feedback_store(settings).record("a1", answer, "up", settings)
    with sqlite3.connect(tmp_path / "data" / "feedback.sqlite3") as db:
        (stored,) = db.execute("SELECT settings_json FROM feedback").fetchone()
    assert "hunter2" not in stored and "k-42" not in stored
    assert json.loads(stored)["llm"]["base_url"] == "http://***@llm/v1?api-key=***"


def test_a_read_only_data_dir_logs_to_stderr_only(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    # Root writes through file modes, so as root the folder is a read-only bind mount instead.
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["mount", "--bind", str(data), str(data)], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(data)], check=True)
    else:
        data.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        notice = configure_logging(Settings(data_dir=data))
    finally:
        if as_root:
            subprocess.run(["umount", str(data)], check=True)
        else:
            data.chmod(stat.S_IRWXU)
    assert notice == f"日志目录 {data / 'logs'} 没有写入权限，本次日志只输出到终端。"
    logging.getLogger("assistant.test").warning("still logged")
    assert "still logged" in capsys.readouterr().err


def test_an_unusable_log_folder_is_a_notice_not_a_crash(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "logs").write_text("a file where the folder should be")
    notice = configure_logging(Settings(data_dir=data))
    assert notice == f"日志目录 {data / 'logs'} 无法写入，本次日志只输出到终端。"
    logging.getLogger("assistant.test").warning("still logged")
    assert "still logged" in capsys.readouterr().err
