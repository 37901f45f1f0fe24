"""An index that cannot be written (read-only mount, only index/ read-only, full disk) still answers, and says so."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.conversations import conversation_store
from assistant.errors import UserError
from assistant.index import PolicyIndex
from assistant.read_only import SNAPSHOT_PREFIX, connect_read_only
from assistant.retrieve import HybridSearcher
from assistant.service import PolicyAssistant
from assistant.settings import Settings
from tests.conftest import run_cli, write_doc
from tests.test_index_cache import CARE, LAW, CountingEmbedder

QUESTIONS = ["西部地区在养老服务方面有哪些安排？", "对西部地区有哪些财税支持政策？"]


@contextmanager
def read_only_mount(folder: Path) -> Iterator[Path]:
    """The folder made read-only in place, as a read-only volume is (root ignores file modes)."""
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield folder
    finally:
        # Lazy: a connection the test still holds must not keep the mount busy.
        subprocess.run(["umount", "-l", str(folder)], check=True)


def listing(folder: Path) -> list[tuple[str, int, int]]:
    """Every name under the folder with its size and modification time."""
    entries = []
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        entries.append((str(path.relative_to(folder)), info.st_size if path.is_file() else 0, info.st_mtime_ns))
    entries.append((".", 0, folder.stat().st_mtime_ns))
    return entries


def snapshots() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob(f"{SNAPSHOT_PREFIX}*"))


@pytest.fixture
def data_copy(directive_assistant: PolicyAssistant, tmp_path: Path) -> Path:
    """The session's indexed directive, copied so that this test may mount it read-only."""
    data = tmp_path / "data"
    shutil.copytree(directive_assistant.settings.data_dir, data)
    return data


def hits_of(assistant: PolicyAssistant, question: str) -> list[tuple[str, str, float | None]]:
    return [(h.doc_id, h.clause, h.scores["dense"]) for h in assistant.search(question).hits]


def test_search_and_ask_from_a_read_only_data_dir_match_the_writable_index(
    directive_assistant: PolicyAssistant, data_copy: Path, embedder
):
    expected_hits = {q: hits_of(directive_assistant, q) for q in QUESTIONS}
    expected_answers = {q: directive_assistant.ask(q, mode="extractive") for q in QUESTIONS}
    before = listing(data_copy)
    with read_only_mount(data_copy):
        assistant = PolicyAssistant(Settings(data_dir=data_copy), embedder=embedder)
        assert assistant.ensure_index() is None
        for question in QUESTIONS:
            got = hits_of(assistant, question)
            assert [h[:2] for h in got] == [h[:2] for h in expected_hits[question]]
            assert got[0][2] == pytest.approx(expected_hits[question][0][2], abs=1e-5)
            answer = assistant.ask(question, mode="extractive")
            assert answer.answer == expected_answers[question].answer
            assert answer.citations == expected_answers[question].citations
        index_dir = data_copy / "index"
        assert assistant.index.notice == (
            f"索引目录没有写入权限：{index_dir}。将以只读方式使用现有索引，文档变更不会被索引。"
        )
        assert assistant.health()["read_only"] is True
        with pytest.raises(UserError) as refused:
            assistant.sync()
        assert str(refused.value) == f"没有写入权限，无法更新索引，请检查目录权限：{index_dir}"
        answer = expected_answers[QUESTIONS[0]]
        with pytest.raises(UserError, match=re.escape(f"没有写入权限，反馈未能保存：{data_copy}")):
            assistant.record_feedback(answer, "up")
        with pytest.raises(UserError, match=re.escape("没有写入权限，对话记录未能保存")):
            conversation_store(assistant.settings)
        assistant.index.state.close()
        assistant.index.passages.cache.close()
    assert listing(data_copy) == before


def test_only_the_index_folder_read_only_answers_and_keeps_feedback(
    directive_assistant: PolicyAssistant, data_copy: Path, embedder
):
    expected = hits_of(directive_assistant, QUESTIONS[0])
    index_dir = data_copy / "index"
    before = listing(index_dir)
    with read_only_mount(index_dir):
        assistant = PolicyAssistant(Settings(data_dir=data_copy), embedder=embedder)
        assistant.ensure_index()
        assert [h[:2] for h in hits_of(assistant, QUESTIONS[0])] == [h[:2] for h in expected]
        assert assistant.index.notice is not None and str(index_dir) in assistant.index.notice
        answer = assistant.ask(QUESTIONS[0], mode="extractive")
        assistant.record_feedback(answer, "down", ["不完整"])  # the data dir itself is writable
        assistant.index.state.close()
        assistant.index.passages.cache.close()
    assert listing(index_dir) == before
    with sqlite3.connect(data_copy / "feedback.sqlite3") as db:
        assert db.execute("SELECT rating FROM feedback").fetchall() == [("down",)]


def test_cli_on_a_read_only_data_dir_answers_warns_once_and_refuses_to_index(data_copy: Path, tmp_path: Path):
    batch = tmp_path / "questions.txt"
    batch.write_text("\n".join(QUESTIONS) + "\n", "utf-8")
    env = {**os.environ, "POLICY_ASSISTANT_DATA_DIR": str(data_copy)}  # the corpus setting is passed on
    before = listing(data_copy)
    snapshots_before = snapshots()
    with read_only_mount(data_copy):
        searched = run_cli(env, "search", "--batch", str(batch), "--json")
        asked = run_cli(env, "ask", QUESTIONS[0], "--mode", "extractive")
        chatted = run_cli(env, "chat", "--jsonl", "--mode", "extractive", stdin="\n".join(QUESTIONS) + "\n")
        indexed = run_cli(env, "index")
    assert listing(data_copy) == before
    notice = f"索引目录没有写入权限：{data_copy / 'index'}。将以只读方式使用现有索引，文档变更不会被索引。"
    for result in (searched, asked, chatted):
        assert result.returncode == 0, result.stderr
        assert result.stderr.count(notice) == 1, result.stderr
        assert "Traceback" not in result.stderr
        # No log file can be written here, so the operator's line goes to the terminal (as the log notice says).
        assert f"index is read-only; answering from it as it is, no updates path={data_copy / 'index'}" in (
            result.stderr
        )
    assert searched.stdout.count('"hits"') == 2 and "（二十五）" in searched.stdout
    assert "（二十五）健全养老服务体系" in asked.stdout
    chat_answers = [json.loads(line) for line in chatted.stdout.splitlines()]
    assert len(chat_answers) == 2 and chat_answers[0]["citations"][0]["clause"] == "二十五"
    assert indexed.returncode == 2
    assert f"没有写入权限，无法更新索引，请检查目录权限：{data_copy / 'index'}" in indexed.stderr
    assert "Traceback" not in indexed.stderr
    assert snapshots() == snapshots_before  # each command removed its copy of the vector store at exit


def test_cli_with_only_the_index_read_only_warns_once_and_logs_to_the_file(data_copy: Path):
    env = {**os.environ, "POLICY_ASSISTANT_DATA_DIR": str(data_copy)}
    index_dir = data_copy / "index"
    with read_only_mount(index_dir):
        searched = run_cli(env, "search", QUESTIONS[0], "-k", "1")
    assert searched.returncode == 0, searched.stderr
    assert "（二十五）" in searched.stdout
    notice = f"索引目录没有写入权限：{index_dir}。将以只读方式使用现有索引，文档变更不会被索引。"
    assert searched.stderr.strip() == f"提示：{notice}"  # one warning, nothing else
    logged = (data_copy / "logs" / "policy-assistant.log").read_text("utf-8")
    assert f"WARNING assistant.index index is read-only; answering from it as it is, no updates path={index_dir}" in (
        logged
    )
    assert "vector store is read-only; reading a copy" in logged and "bytes=" in logged


def test_a_read_only_folder_without_an_index_says_it_cannot_build_one(tmp_path: Path, embedder):
    data = tmp_path / "data"
    data.mkdir()
    with read_only_mount(data):
        assistant = PolicyAssistant(Settings(data_dir=data), embedder=embedder)
        with pytest.raises(UserError, match=f"^没有写入权限，无法建立索引.*{re.escape(str(data))}"):
            assistant.ensure_index()
    assert list(data.iterdir()) == []


def wal_database(path: Path, rows: int) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (n INTEGER)")
    with db:
        db.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(rows)])
    return db


def test_a_checkpointed_wal_database_opens_read_only(tmp_path: Path):
    folder = tmp_path / "stores"
    folder.mkdir()
    wal_database(folder / "a.sqlite3", 5).close()  # the last close checkpoints and removes -wal and -shm
    assert sorted(p.name for p in folder.iterdir()) == ["a.sqlite3"]
    with read_only_mount(folder):
        db = connect_read_only(folder / "a.sqlite3")
        assert db.execute("SELECT count(*) FROM t").fetchone() == (5,)
        with pytest.raises(sqlite3.OperationalError):
            db.execute("INSERT INTO t VALUES (9)")
        db.close()
    assert sorted(p.name for p in folder.iterdir()) == ["a.sqlite3"]


def test_a_wal_database_with_its_log_beside_it_opens_read_only(tmp_path: Path):
    folder = tmp_path / "stores"
    folder.mkdir()
    writer = wal_database(folder / "b.sqlite3", 7)  # still open: the rows are in -wal, not yet in the file
    try:
        with read_only_mount(folder):
            db = connect_read_only(folder / "b.sqlite3")
            assert db.execute("SELECT count(*) FROM t").fetchone() == (7,)
            db.close()
    finally:
        writer.close()


def test_a_full_disk_answers_without_trying_to_update_and_index_says_so(tmp_path: Path, embedder):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "flood-law.md", LAW)
    with full_tmpfs(tmp_path / "disk") as disk:
        settings = Settings(data_dir=disk / "data", corpus_dir=corpus, index={"min_free_mb": 1})
        PolicyIndex(settings, embedder).sync()
        write_doc(corpus, "care.txt", CARE)  # the corpus changed: a question would normally update the index
        filler = fill(disk)
        counting = CountingEmbedder(embedder)
        assistant = PolicyAssistant(settings, embedder=counting)
        assert assistant.ensure_index() is None
        assert counting.passages == []  # no update was tried: the new document was not embedded
        notice = f"磁盘空间不足：{settings.index_dir}。将使用现有索引回答，文档变更暂不索引，请清理磁盘。"
        assert assistant.index.notice == notice
        hit = assistant.search("防汛工作的方针", 3).hits[0]
        assert (hit.doc_id, hit.clause) == ("flood-law", "第三条")
        assert [d.doc_id for d in assistant.index.documents] == ["flood-law"]
        with pytest.raises(UserError) as refused:
            assistant.sync()
        assert str(refused.value) == f"磁盘空间不足，无法更新索引，请清理磁盘后重试：{settings.index_dir}"

        filler.unlink()
        report = assistant.ensure_index()
        assert report is not None and report.added == ["care"]
        assert assistant.index.notice is None
        assistant.index.state.close()
        assistant.index.passages.cache.close()


def test_api_answers_from_a_read_only_data_dir_and_reports_it(data_copy: Path, embedder):
    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.apikeys import api_key_store

    settings = Settings(data_dir=data_copy)
    _, token = api_key_store(settings).add("reader", "civil_servant")  # made by the operator before mounting
    headers = {"Authorization": f"Bearer {token}"}
    with read_only_mount(data_copy):
        assistant = PolicyAssistant(settings, embedder=embedder)
        with TestClient(create_app(settings, assistant)) as client:
            health = client.get("/v1/health").json()
            searched = client.post("/v1/search", json={"query": QUESTIONS[0]}, headers=headers)
            asked = client.post("/v1/ask", json={"question": QUESTIONS[0], "mode": "extractive"}, headers=headers)
            feedback = client.post("/v1/feedback", json={"answer": asked.json(), "rating": "up"}, headers=headers)
        assistant.index.state.close()
        assistant.index.passages.cache.close()
    assert health["read_only"] is True and "没有写入权限" in health["notice"]
    assert searched.status_code == 200 and searched.json()["hits"][0]["clause"] == "二十五"
    assert asked.status_code == 200 and asked.json()["citations"][0]["clause"] == "二十五"
    assert feedback.status_code == 400
    assert feedback.json()["error"]["message"].startswith("没有写入权限，反馈未能保存")


def test_ui_answers_from_a_read_only_data_dir_with_one_warning(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch, directive_assistant: PolicyAssistant
):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from assistant.accounts import account_store
    from tests.conftest import REPO

    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(data_copy))
    store = account_store(Settings(data_dir=data_copy))
    store.add("reader", "correct-horse-7291", ("civil_servant",), actor="test")
    session = store.start_session("reader")  # signed in before the volume became read-only
    expected = directive_assistant.ask(QUESTIONS[0], mode="extractive").answer
    with read_only_mount(data_copy):
        st.cache_resource.clear()
        at = AppTest.from_file(str(REPO / "ui" / "app.py"), default_timeout=120)
        at.session_state["session_token"] = session
        at.run()
        at.chat_input[0].set_value(QUESTIONS[0]).run()
        assert not at.exception, at.exception
        answer = at.chat_message[-1].markdown[0].value.replace("\\", "")
        next(b for b in at.button if (b.key or "").startswith("up-")).click().run()
        assert not at.exception, at.exception
        warnings = [w.value.replace("\\", "") for w in at.warning]
        st.cache_resource.clear()
    assert expected.split("“")[1][:30] in answer
    index_warnings = [w for w in warnings if w.startswith("索引目录没有写入权限")]
    assert len(index_warnings) == 1, warnings
    assert any(w.startswith("没有写入权限，对话记录未能保存") for w in warnings), warnings
    assert any(w.startswith("没有写入权限，反馈未能保存") for w in warnings), warnings


@contextmanager
def full_tmpfs(folder: Path, size_mb: int = 24) -> Iterator[Path]:
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb") as handle, pytest.raises(OSError):
        while True:
            handle.write(b"\0" * (1 << 16))
            handle.flush()
    return filler


def test_an_update_that_runs_out_of_space_leaves_no_half_written_file(tmp_path: Path, embedder):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "flood-law.md", LAW)
    with full_tmpfs(tmp_path / "disk") as disk:
        settings = Settings(data_dir=disk / "data", corpus_dir=corpus, index={"min_free_mb": 0})  # always try
        index = PolicyIndex(settings, embedder)
        index.sync()
        write_doc(corpus, "care.txt", CARE)
        before = {p.name for p in settings.index_dir.rglob("*")}
        filler = fill(disk)
        with pytest.raises(UserError, match=r"^磁盘空间不足，无法更新索引"):
            index.sync()
        after = {p.name for p in settings.index_dir.rglob("*")}
        assert not [name for name in after - before if name.startswith(".") or name.endswith(".tmp")]
        hit = HybridSearcher.from_index(index).search("防汛工作的方针", 3).hits[0]
        assert (hit.doc_id, hit.clause) == ("flood-law", "第三条")
        filler.unlink()
        assert index.sync().added == ["care"]  # a rerun converges
        index.state.close()
        index.passages.cache.close()


def test_management_page_on_a_read_only_index_lists_documents_and_offers_no_writes(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from assistant.accounts import account_store
    from tests.conftest import DIRECTIVE_ID, REPO

    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(data_copy))
    store = account_store(Settings(data_dir=data_copy))
    store.add("root", "correct-horse-7291", ("admin",), actor="test")
    session = store.start_session("root")
    with read_only_mount(data_copy / "index"):
        st.cache_resource.clear()
        at = AppTest.from_file(str(REPO / "ui" / "app.py"), default_timeout=120)
        at.session_state["session_token"] = session
        at.run()
        at.switch_page("views/manage.py").run()
        assert not at.exception, at.exception
        listed = list(at.dataframe[0].value["编号"])
        warnings = [w.value.replace("\\", "") for w in at.warning]
        labels = [b.label for b in at.button]
        uploaders = at.get("file_uploader")
        captions = [c.value for c in at.caption]
        st.cache_resource.clear()
    assert listed == [DIRECTIVE_ID]
    assert len([w for w in warnings if w.startswith("索引目录没有写入权限")]) == 1, warnings
    assert "索引为只读（见上方提示），不能上传、重新索引或删除文档。" in captions
    assert "重新索引全部文档" not in labels and "保存并重新索引" not in labels
    assert not uploaders
