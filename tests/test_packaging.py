"""The built wheel works outside the repository: prompts and corpus come from the package, state from a per-user folder.

The wheel is installed without its dependencies into a fresh venv, which borrows them from the project venv
through a .pth file: only PyPI is reachable and a full offline install would need every wheel in uv's cache.
What is tested is the wheel itself: its package data, its console script, its resource lookups.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.packaging
UV = REPO / ".venv" / "bin" / "uv"


def sh(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    root = tmp_path_factory.mktemp("wheel")
    sh(UV, "build", "--wheel", "--out-dir", root / "dist", REPO)
    (wheel,) = (root / "dist").glob("policy_assistant-*.whl")
    sh(UV, "venv", "--quiet", "--python", sys.executable, root / "venv")
    site = Path(
        sh(
            root / "venv" / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        ).stdout.strip()
    )
    (site / "_project_dependencies.pth").write_text(str(Path(sysconfig.get_paths()["purelib"]).resolve()) + "\n")
    sh(UV, "pip", "install", "--quiet", "--offline", "--no-deps", "--python", root / "venv" / "bin" / "python", wheel)
    home = root / "home"
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    return root / "venv" / "bin" / "policy-assistant", env, elsewhere


def test_the_wheel_carries_prompts_corpus_and_pages(installed):
    command, env, elsewhere = installed
    python = command.parent / "python"
    code = (
        "import assistant; from assistant.settings import Settings; s = Settings(); "
        "print(assistant.__file__); print(s.prompts_dir); print(s.corpus_dir); print(s.data_dir)"
    )
    module, prompts, corpus, data = sh(python, "-c", code, env=env, cwd=elsewhere).stdout.split()
    package = Path(module).parent
    assert not package.is_relative_to(REPO)
    assert Path(prompts) == package / "bundled" / "prompts"
    assert {p.name for p in Path(prompts).glob("*.md")} == {p.name for p in (REPO / "prompts").glob("*.md")}
    assert (Path(corpus) / "western-development-guideline-2020.txt").is_file()
    assert (package / "webui" / "app.py").is_file() and (package / "webui" / "views" / "chat.py").is_file()
    assert Path(data) == Path(env["HOME"]) / ".local" / "share" / "policy-assistant"


def test_index_then_ask_from_another_directory(installed):
    command, env, elsewhere = installed
    built = sh(command, "index", "--json", env=env, cwd=elsewhere)
    assert json.loads(built.stdout)["clauses"] > 30

    asked = sh(command, "ask", "河长制有什么要求？", "--json", env=env, cwd=elsewhere)

    answer = json.loads(asked.stdout)
    assert "全面推进河长制、湖长制" in answer["answer"]
    assert answer["citations"] and all(c["verified"] for c in answer["citations"])
    assert (Path(env["HOME"]) / ".local" / "share" / "policy-assistant" / "index").is_dir()
    assert not (elsewhere / ".data").exists()


def test_ui_starts_the_packaged_streamlit_app(installed):
    command, env, elsewhere = installed
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [str(command), "ui", "--port", str(port)],
        env=env,
        cwd=elsewhere,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 300
        healthy = False
        while time.monotonic() < deadline and process.poll() is None and not healthy:
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.5)
        assert healthy, process.stdout.read().decode() if process.stdout and process.poll() is not None else "timeout"
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
    # Stopping the command stops the UI: no Streamlit is left serving the port.
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
