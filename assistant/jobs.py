"""Index job progress, kept in the data dir so any process (a reloaded UI page) can show it; a background runner."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.atomic import write_text_atomic

log = logging.getLogger(__name__)

PROGRESS_FILE = "job.json"
_EVERY = 0.5  # seconds between progress writes


class JobProgress(BaseModel):
    pid: int
    stage: str = Field("", description="What the job is doing, in Chinese.")
    done: int = Field(0, description="Texts done in the current document.")
    total: int = Field(0, description="Texts of the current document.")
    documents_done: int = 0
    documents_total: int = 0
    started: float
    updated: float
    finished: bool = False
    error: str | None = Field(None, description="Exception type when the job failed; details are in the log.")

    @property
    def running(self) -> bool:
        return not self.finished and process_alive(self.pid)

    @property
    def fraction(self) -> float:
        """Share of the documents to index that are done, counting the current one partly."""
        if not self.documents_total:
            return 1.0 if self.finished else 0.0
        part = self.done / self.total if self.total else 0.0
        return min(1.0, (self.documents_done + part) / self.documents_total)


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (it may belong to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_progress(index_dir: Path) -> JobProgress | None:
    """The last index job's progress, or None if no job ever ran; `running` is False after a crash too."""
    try:
        return JobProgress.model_validate_json((index_dir / PROGRESS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None


class JobWriter:
    """Forwards progress to the caller's callback and, throttled, to the progress file."""

    def __init__(self, index_dir: Path, callback: Callable[[str, int, int], None] | None = None):
        self.path = index_dir / PROGRESS_FILE
        self.callback = callback
        now = time.time()
        self.state = JobProgress(pid=os.getpid(), started=now, updated=now)
        self._written = 0.0

    def update(self, stage: str, done: int, total: int, documents_done: int = 0, documents_total: int = 0) -> None:
        if self.callback:
            self.callback(stage, done, total)
        self.state.stage, self.state.done, self.state.total = stage, done, total
        if documents_total:
            self.state.documents_done, self.state.documents_total = documents_done, documents_total
        now = time.monotonic()
        if now - self._written >= _EVERY:
            self._write()
            self._written = now

    def finish(self, error: str | None = None) -> None:
        self.state.finished, self.state.error = True, error
        if error is None and self.state.documents_total:
            self.state.documents_done = self.state.documents_total
        self._write()

    def _write(self) -> None:
        self.state.updated = time.time()
        try:
            write_text_atomic(self.path, self.state.model_dump_json())
        except OSError as exc:  # progress is advisory; a read-only or full disk must not stop the build
            log.warning("index progress not written to %s: %s", self.path, exc)


def start_background_index(corpus_dir: Path | None = None, rebuild: bool = False) -> int:
    """Run `policy-assistant index` in a detached process (it survives the caller); returns its pid.

    Follow it with read_progress(settings.index_dir). A second job waits for the index lock.
    """
    command = [sys.executable, "-m", "assistant.cli", "index"]
    if corpus_dir is not None:
        command += ["--corpus", str(corpus_dir)]
    if rebuild:
        command.append("--rebuild")
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.info("background index job started pid=%d", process.pid)
    return process.pid
