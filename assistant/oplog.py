"""The operator log: one file under the data dir plus stderr, redacted, and never a reason to fail a command."""

from __future__ import annotations

import errno
import logging
import sys
from pathlib import Path

from assistant.redact import RedactingFilter
from assistant.settings import Settings

LOG_NAME = "policy-assistant.log"
NOISY = ("httpx", "httpcore", "chromadb", "urllib3", "jieba", "bm25s", "uvicorn.access", "mcp")


SHOWN_TO_USER = {"shown_to_user": True}
"""`extra=` for a log line whose news the user already got as a Chinese sentence: file only, not stderr again."""


def _not_shown_to_user(record: logging.LogRecord) -> bool:
    return not getattr(record, "shown_to_user", False)


def log_path(settings: Settings) -> Path:
    return settings.data_dir / "logs" / LOG_NAME


def open_log_file(path: Path) -> tuple[logging.Handler | None, str | None]:
    """A file handler, or None and a Chinese reason when the folder cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return logging.FileHandler(path, encoding="utf-8"), None
    except OSError as exc:
        why = (
            "磁盘空间不足"
            if exc.errno == errno.ENOSPC
            else "没有写入权限"
            if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM)
            else "无法写入"
        )
        return None, f"日志目录 {path.parent} {why}，本次日志只输出到终端。"


def configure_logging(settings: Settings, stderr_level: str | None = None) -> str | None:
    """Install the redacting handlers on the root logger; returns a Chinese notice when the log file is unusable."""
    redacting = RedactingFilter()
    handlers: list[logging.Handler] = []
    file_handler, notice = open_log_file(log_path(settings))
    if file_handler is not None:
        file_handler.setLevel(logging.INFO)
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handlers.append(file_handler)
    stderr_handler = logging.StreamHandler(sys.stderr)
    stderr_handler.setLevel((stderr_level or settings.log_level).upper())
    stderr_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if file_handler is not None:  # without a log file, stderr is the operator's only log: keep every line
        stderr_handler.addFilter(_not_shown_to_user)
    handlers.append(stderr_handler)
    for handler in handlers:
        handler.addFilter(redacting)
    root = logging.getLogger()
    for old in root.handlers:
        if isinstance(old, logging.FileHandler | logging.StreamHandler) and getattr(old, "_policy_assistant", False):
            old.close()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "_policy_assistant", False)]
    for handler in handlers:
        handler._policy_assistant = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return notice
