"""Against a real Chroma server on 127.0.0.1: the same index and search through HttpClient."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest

from assistant.errors import UserError
from assistant.service import PolicyAssistant
from assistant.settings import Settings
from assistant.store import collection_name
from tests.conftest import REPO, write_doc

CHROMA = REPO / ".venv" / "bin" / "chroma"
FLOOD = """关于做好防汛工作的通知

（一）压实防汛责任。各级政府要落实防汛抗旱行政首长负责制。

（二）储备防汛物资。各地要提前储备沙袋和冲锋舟。
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_heartbeat(port: int, server: subprocess.Popen, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"chroma exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"no heartbeat from chroma on port {port} within {limit} s")


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    # A log file, not a pipe: an unread pipe would block a chatty server.
    log = (tmp_path / "chroma-server.log").open("w")
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_heartbeat(port, server)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.mark.server
def test_index_and_search_through_a_chroma_server(tmp_path, chroma_server, embedder):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "flood.txt", FLOOD)
    settings = Settings(
        data_dir=tmp_path / "data", corpus_dir=corpus, chroma={"host": "127.0.0.1", "port": chroma_server}
    )
    assistant = PolicyAssistant(settings, embedder=embedder)

    report = assistant.ensure_index()

    assert report is not None
    assert report.added == ["flood"]
    assert not (tmp_path / "data" / "index" / "chroma").exists()
    result = assistant.search("冲锋舟", k=2)
    assert [(h.doc_id, h.clause) for h in result.hits] == [("flood", "二"), ("flood", "一")]
    assert result.hits[0].scores["dense"] is not None

    server_side = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    names = {collection.name for collection in server_side.list_collections()}
    chunks = collection_name("policy", "chunks", embedder.model_id)
    assert chunks in names
    assert server_side.get_collection(chunks).count() == 2

    # A second assistant on the same server finds the document unchanged.
    again = PolicyAssistant(settings, embedder=embedder)
    assert again.sync().unchanged == ["flood"]


def test_unreachable_chroma_server_is_a_chinese_error(tmp_path, embedder):
    port = free_port()
    settings = Settings(data_dir=tmp_path / "data", chroma={"host": "127.0.0.1", "port": port})
    with pytest.raises(UserError) as raised:
        PolicyAssistant(settings, embedder=embedder).index  # noqa: B018
    assert str(raised.value).startswith(f"无法连接向量数据库服务 127.0.0.1:{port}，请确认 Chroma 服务已启动")


def test_chroma_host_and_port_environment_variables_are_used(monkeypatch):
    monkeypatch.setenv("CHROMA_HOST", "chroma.internal")
    monkeypatch.setenv("CHROMA_PORT", "8123")
    settings = Settings()
    assert settings.chroma.host == "chroma.internal"
    assert settings.chroma.port == 8123


def test_without_chroma_variables_the_index_is_embedded():
    assert Settings().chroma.host is None


def test_prefixed_chroma_host_wins_over_the_conventional_one(monkeypatch):
    monkeypatch.setenv("CHROMA_HOST", "chroma.internal")
    monkeypatch.setenv("POLICY_ASSISTANT_CHROMA__HOST", "chroma.local")
    assert Settings().chroma.host == "chroma.local"


def start_chroma(path: Path, port: int, log_path: Path) -> subprocess.Popen:
    log = log_path.open("a")
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    wait_for_heartbeat(port, server)
    return server


def stop_chroma(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.mark.server
def test_server_outage_is_one_chinese_sentence_and_recovers_after_restart(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "flood.txt", FLOOD)
    port = free_port()
    server = start_chroma(tmp_path / "chroma-server", port, tmp_path / "chroma.log")
    try:
        settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, chroma={"host": "127.0.0.1", "port": port})
        assistant = PolicyAssistant(settings, embedder=embedder)
        assistant.ensure_index()
        stop_chroma(server)

        with pytest.raises(UserError) as raised:
            assistant.search("冲锋舟", k=2)
        assert str(raised.value) == f"向量数据库服务 127.0.0.1:{port} 无法连接，请确认 Chroma 服务已启动后重试。"

        server = start_chroma(tmp_path / "chroma-server", port, tmp_path / "chroma.log")
        assert assistant.search("冲锋舟", k=2).hits[0].clause == "二"
    finally:
        stop_chroma(server)
