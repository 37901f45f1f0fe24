"""Faults during indexing: kill -9 mid-build resumes, a rebuild never breaks readers, updates never block answers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.errors import UserError
from assistant.index import PolicyIndex
from assistant.jobs import read_progress, start_background_index
from assistant.retrieve import HybridSearcher
from assistant.settings import Settings
from assistant.vector_cache import text_key
from tests.conftest import REPO, run_cli, write_doc
from tests.test_index_cache import CARE, LAW, CountingEmbedder

NUMERALS = "一二三四五六七八九十"
TOPICS = ["森林防火", "湿地保护", "河道管理", "草原监测", "水土保持", "海岛开发"]


def topic_law(topic: str) -> str:
    articles = [
        f"第{n}条 {topic}工作的第{n}项要求是，县级以上人民政府应当在{i * 7}日内完成{topic}台账的第{n}次核查。"
        f"未按期完成{topic}核查的，由上级主管部门责令在{i + 3}个月内改正。"
        for i, n in enumerate(NUMERALS, start=1)
    ]
    return f"{topic}管理办法\n\n" + "\n\n".join(articles) + "\n"


# The real CLI and model. The build stalls once two documents are committed and the third is being embedded,
# so the kill lands mid-build however fast the machine is (six small laws can be indexed between two polls).
STALL_AFTER_TWO_DOCUMENTS = """
import sys, time
from assistant import cli, jobs

report = jobs.JobWriter.update

def update_then_stall(self, *args, **kwargs):
    report(self, *args, **kwargs)
    if self.state.documents_done >= 2 and self.state.done > 0:
        self._write()
        time.sleep(3600)

jobs.JobWriter.update = update_then_stall
sys.argv = ["assistant.cli", *sys.argv[1:]]
cli.main()
"""


def test_kill_9_mid_build_resumes_where_it_stopped(tmp_path: Path, embedder):
    corpus = tmp_path / "corpus"
    for number, topic in enumerate(TOPICS):
        write_doc(corpus, f"law-{number}.md", topic_law(topic))
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(REPO), "POLICY_ASSISTANT_DATA_DIR": str(data)}
    process = subprocess.Popen(
        [sys.executable, "-c", STALL_AFTER_TWO_DOCUMENTS, "index", "--corpus", str(corpus)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            progress = read_progress(data / "index")
            if progress and progress.documents_done >= 2 and progress.done > 0:
                break
            assert process.poll() is None, "the build finished before it could be interrupted"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert read_progress(data / "index").running is False  # a dead job is not shown as running

    with sqlite3.connect(data / "index" / "vectors.sqlite3") as db:
        cached_before = {bytes(row[0]) for row in db.execute("SELECT sha FROM vectors")}
    counting = CountingEmbedder(embedder)
    index = PolicyIndex(Settings(data_dir=data, corpus_dir=corpus), counting)
    report = index.sync(corpus)

    assert len(report.unchanged) >= 2  # finished documents are not touched again
    # Nothing the killed build had committed goes through the model again.
    assert report.embedded_texts == len(counting.passages) > 0
    assert not {text_key(text) for text in counting.passages} & cached_before
    assert index.vectors_intact()
    hit = HybridSearcher.from_index(index).search("湿地保护台账第三次核查", 3).hits[0]
    assert (hit.doc_id, hit.clause) == ("law-1", "第三条")


def test_rebuild_in_another_process_does_not_break_a_reader(tmp_path: Path, embedder):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "flood-law.md", LAW)
    write_doc(corpus, "care.txt", CARE)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    writer = PolicyIndex(settings, embedder)
    writer.sync()
    reader = PolicyIndex(settings, embedder)
    searcher = HybridSearcher.from_index(reader)
    assert searcher.search("防汛工作的方针", 3).hits[0].clause == "第三条"

    for _ in range(2):
        writer.sync(rebuild=True)
        hit = searcher.search("防汛工作的方针", 3).hits[0]
        assert (hit.doc_id, hit.clause) == ("flood-law", "第三条")
        assert reader.store.generation == writer.store.generation
        assert reader.ensure_ready() is None


def test_questions_are_answered_while_another_writer_holds_the_index(tmp_path: Path, embedder):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "flood-law.md", LAW)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    PolicyIndex(settings, embedder).sync()
    write_doc(corpus, "care.txt", CARE)  # the corpus changed: a reader would normally sync first

    holding = threading.Event()
    release = threading.Event()

    def writer() -> None:
        other = PolicyIndex(settings, embedder)
        with other._lock():
            holding.set()
            release.wait(timeout=60)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(timeout=60)
        reader = PolicyIndex(settings, embedder)
        started = time.monotonic()
        assert reader.ensure_ready() is None  # does not wait for the writer
        assert time.monotonic() - started < 10
        hit = HybridSearcher.from_index(reader).search("防汛工作的方针", 3).hits[0]
        assert (hit.doc_id, hit.clause) == ("flood-law", "第三条")
    finally:
        release.set()
        thread.join()


def damage(database: Path, how: str) -> None:
    size = database.stat().st_size
    with database.open("r+b") as handle:
        if how == "truncated":
            handle.truncate(size // 3)
        elif how == "header":
            handle.write(b"\x00" * 100)
        else:  # pages in the middle
            handle.seek(size // 2)
            handle.write(b"\xde\xad" * 20000)


@pytest.mark.parametrize("how", ["truncated", "header", "middle"])
def test_rebuild_moves_a_corrupt_store_aside_and_builds_anew(tmp_path: Path, embedder, how: str):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "flood-law.md", LAW)
    data = tmp_path / "data"
    PolicyIndex(Settings(data_dir=data, corpus_dir=corpus), embedder).sync()
    damage(data / "index" / "chroma" / "chroma.sqlite3", how)
    env = {**os.environ, "PYTHONPATH": str(REPO), "POLICY_ASSISTANT_DATA_DIR": str(data)}

    broken = run_cli(env, "search", "防汛工作的方针")
    assert broken.returncode != 0
    assert "Traceback" not in broken.stderr
    assert "index --rebuild" in broken.stdout + broken.stderr

    rebuilt = run_cli(env, "index", "--rebuild", "--corpus", str(corpus))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert list((data / "index").glob("chroma.damaged-*")), "the damaged store is kept for inspection"

    fixed = run_cli(env, "search", "防汛工作的方针", "--json")
    assert fixed.returncode == 0, fixed.stderr
    assert "第三条" in fixed.stdout


def test_full_disk_keeps_answering_and_says_so(tmp_path: Path, embedder):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "flood-law.md", LAW)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    index = PolicyIndex(settings, embedder)
    index.sync()
    write_doc(corpus, "care.txt", CARE)
    # SQLite's own "database or disk is full": the vector cache may not grow by a single page.
    cache = index.passages.cache._db
    pages = cache.execute("PRAGMA page_count").fetchone()[0]
    cache.execute(f"PRAGMA max_page_count = {pages}")

    assert index.ensure_ready() is None  # the update failed; the intact index still answers
    hit = HybridSearcher.from_index(index).search("防汛工作的方针", 3).hits[0]
    assert (hit.doc_id, hit.clause) == ("flood-law", "第三条")
    with pytest.raises(UserError) as raised:
        index.sync()
    assert str(raised.value) == f"磁盘空间不足，无法更新索引，请清理磁盘后重试：{settings.index_dir}"

    cache.execute("PRAGMA max_page_count = 1073741823")
    report = index.sync()
    assert report.added == ["care"]
    assert index.vectors_intact()


def test_background_job_reports_progress_until_done(tmp_path: Path, monkeypatch, embedder):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "flood-law.md", LAW)
    write_doc(corpus, "care.txt", CARE)
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("POLICY_ASSISTANT_CORPUS_DIR", str(corpus))
    settings = Settings()

    pid = start_background_index()

    seen_running = False
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        progress = read_progress(settings.index_dir)
        if progress is not None and progress.pid == pid:
            seen_running = seen_running or progress.running
            if progress.finished:
                break
        time.sleep(0.1)
    os.waitpid(pid, 0)
    assert progress is not None and progress.finished and progress.error is None
    assert progress.fraction == 1.0
    assert seen_running or progress.documents_total == 2
    index = PolicyIndex(settings, embedder)
    assert index.ensure_ready() is None
    assert sorted(d.doc_id for d in index.documents) == ["care", "flood-law"]


def test_questions_in_one_process_survive_rebuilds_in_another(tmp_path: Path, embedder):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "flood-law.md", LAW)
    write_doc(corpus, "care.txt", CARE)
    data = tmp_path / "data"
    settings = Settings(data_dir=data, corpus_dir=corpus)
    PolicyIndex(settings, embedder).sync()
    reader = PolicyIndex(settings, embedder)
    searcher = HybridSearcher.from_index(reader)
    env = {**os.environ, "PYTHONPATH": str(REPO), "POLICY_ASSISTANT_DATA_DIR": str(data)}
    script = (
        "from assistant.cli import main\nimport sys\n"
        f"for _ in range(3):\n    sys.argv = ['policy-assistant', 'index', '--rebuild', '--corpus', {str(corpus)!r}]\n"
        "    try:\n        main()\n    except SystemExit as exit:\n        assert not exit.code, exit.code\n"
    )
    rebuilding = subprocess.Popen([sys.executable, "-c", script], env=env, stderr=subprocess.PIPE, text=True)
    answers = 0
    try:
        while rebuilding.poll() is None:
            hit = searcher.search("防汛工作的方针", 3).hits[0]
            assert (hit.doc_id, hit.clause) == ("flood-law", "第三条")
            answers += 1
    finally:
        _, errors = rebuilding.communicate(timeout=300)
    assert rebuilding.returncode == 0, errors[-2000:]
    assert answers > 0
    assert reader.ensure_ready() is None or reader.vectors_intact()
    hit = searcher.search("防汛工作的方针", 3).hits[0]
    assert (hit.doc_id, hit.clause) == ("flood-law", "第三条")
    assert reader.store.generation == 3


class RecordsDeletedMidQuery:
    """A Chroma collection as a query sees it while another process deletes its records: the HNSW segment still
    returns the ids, the metadata segment no longer has them, so metadatas come back None."""

    def __init__(self, collection, times: int, meanwhile=lambda: None):
        self.collection, self.times, self.meanwhile = collection, times, meanwhile

    def __getattr__(self, name):
        return getattr(self.collection, name)

    def query(self, **kwargs):
        result = self.collection.query(**kwargs)
        if self.times > 0:
            self.times -= 1
            self.meanwhile()
            result["metadatas"] = [[None] * len(ids) for ids in result["ids"]]
        return result


def indexed_reader(tmp_path: Path, embedder) -> tuple[Settings, PolicyIndex, HybridSearcher]:
    """Two documents indexed, and an index opened on them as a second process would."""
    corpus = tmp_path / "corpus"
    write_doc(corpus, "flood-law.md", LAW)
    write_doc(corpus, "care.txt", CARE)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    PolicyIndex(settings, embedder).sync()
    reader = PolicyIndex(settings, embedder)
    return settings, reader, HybridSearcher.from_index(reader)


def test_a_query_racing_a_rebuild_follows_the_new_generation(tmp_path: Path, embedder):
    settings, reader, searcher = indexed_reader(tmp_path, embedder)
    assert reader.store.generation == 0
    # Another process swaps in generation 1 while the query runs.
    rebuild = lambda: PolicyIndex(settings, embedder).sync(rebuild=True)  # noqa: E731
    reader.store.chunks = RecordsDeletedMidQuery(reader.store.chunks, times=1, meanwhile=rebuild)
    hit = searcher.search("防汛工作的方针", 3).hits[0]
    assert (hit.doc_id, hit.clause) == ("flood-law", "第三条")
    assert reader.store.generation == 1


def test_a_query_racing_a_delete_retries_then_says_the_index_is_changing(tmp_path: Path, embedder, monkeypatch):
    from assistant import store

    monkeypatch.setattr(store, "_RETRY_DELAYS", (0.0, 0.0))
    _, reader, searcher = indexed_reader(tmp_path, embedder)
    real_chunks = reader.store.chunks
    reader.store.chunks = RecordsDeletedMidQuery(real_chunks, times=2)  # gone by the second retry
    hit = searcher.search("防汛工作的方针", 3).hits[0]
    assert (hit.doc_id, hit.clause) == ("flood-law", "第三条")
    assert reader.store.generation == 0
    reader.store.chunks = RecordsDeletedMidQuery(real_chunks, times=10**6)
    with pytest.raises(UserError) as refused:
        searcher.search("防汛工作的方针", 3)
    assert str(refused.value) == "索引正在更新，请稍后重试。"


def test_read_only_data_dir_answers_and_index_names_it_with_the_right_advice(tmp_path: Path, embedder):
    # A read-only bind mount, as when a data volume is mounted read-only (root ignores file modes).
    corpus, data, mounted = tmp_path / "corpus", tmp_path / "data", tmp_path / "read-only"
    write_doc(corpus, "flood-law.md", LAW)
    PolicyIndex(Settings(data_dir=data, corpus_dir=corpus), embedder).sync()
    mounted.mkdir()
    subprocess.run(["mount", "--bind", str(data), str(mounted)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(mounted)], check=True)
        env = {**os.environ, "POLICY_ASSISTANT_DATA_DIR": str(mounted), "POLICY_ASSISTANT_CORPUS_DIR": str(corpus)}
        searched = run_cli(env, "search", "防汛工作的方针", "-k", "1")
        indexed = run_cli(env, "index")
        rebuilt = run_cli(env, "index", "--rebuild")
    finally:
        subprocess.run(["umount", str(mounted)], check=True)
    assert searched.returncode == 0, searched.stderr
    assert "第三条" in searched.stdout
    for refused in (indexed, rebuilt):
        assert refused.returncode == 2, refused.stderr
        assert f"没有写入权限，无法更新索引，请检查目录权限：{mounted / 'index'}" in refused.stderr
    assert not list(data.glob("index/chroma.damaged-*"))  # a read-only store is not mistaken for a damaged one
    for result in (searched, indexed, rebuilt):
        assert "--rebuild" not in result.stderr
        assert "Traceback" not in result.stderr
