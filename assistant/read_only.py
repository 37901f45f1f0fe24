"""Read-only mode: an index that cannot be written is detected up front and opened without writing a byte to it."""

from __future__ import annotations

import atexit
import errno
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from assistant.errors import UserError
from assistant.jobs import process_alive
from assistant.oplog import SHOWN_TO_USER

log = logging.getLogger(__name__)

_NO_PERMISSION = (errno.EACCES, errno.EROFS, errno.EPERM)
_FULL_TEXT = ("database or disk is full", "no space left")
_READ_ONLY_TEXT = ("readonly database", "read-only file system", "permission denied")
SNAPSHOT_PREFIX = "policy-assistant-chroma-"


def no_permission_message(path: Path) -> str:
    return f"没有写入权限，无法更新索引，请检查目录权限：{path}"


def no_space_message(path: Path) -> str:
    return f"磁盘空间不足，无法更新索引，请清理磁盘后重试：{path}"


@dataclass(frozen=True)
class WriteBlock:
    """Why the index cannot be updated now, and the folder or file to name."""

    cause: Literal["permission", "space"]
    path: Path

    @property
    def notice(self) -> str:
        """The one warning a user sees while answers come from the index as it is."""
        if self.cause == "permission":
            return f"索引目录没有写入权限：{self.path}。将以只读方式使用现有索引，文档变更不会被索引。"
        return f"磁盘空间不足：{self.path}。将使用现有索引回答，文档变更暂不索引，请清理磁盘。"

    def error(self) -> UserError:
        """For a command that must write (index)."""
        if self.cause == "permission":
            return UserError(no_permission_message(self.path))
        return UserError(no_space_message(self.path))

    def cannot_build(self) -> UserError:
        """There is no index to read and none can be built."""
        if self.cause == "permission":
            return UserError(f"没有写入权限，无法建立索引，请检查目录权限或请管理员先建立索引：{self.path}")
        return UserError(f"磁盘空间不足，无法建立索引，请清理磁盘后重试：{self.path}")


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def unwritable(directory: Path) -> WriteBlock | None:
    """A permission block on the index folder or its databases, found before any work starts; None if writable."""
    folder = _existing(directory)
    if not os.access(folder, os.W_OK | os.X_OK):  # answers from the mode bits and the mount's ro flag
        return WriteBlock("permission", folder)
    if folder == directory:
        for database in [directory / "chroma" / "chroma.sqlite3", *sorted(directory.glob("*.sqlite3"))]:
            if database.exists() and not os.access(database, os.W_OK):
                return WriteBlock("permission", database)
    # A file made and removed also catches what os.access does not see (ACLs, NFS root squash, some overlays).
    try:
        handle, probe = tempfile.mkstemp(prefix=".write-probe-", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        if exc.errno in _NO_PERMISSION:
            return WriteBlock("permission", folder)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return WriteBlock("space", folder)
        raise
    return None


def low_space(directory: Path, min_free_mb: float) -> WriteBlock | None:
    """A space block when the disk holding the index has less free space than an update needs."""
    folder = _existing(directory)
    free = shutil.disk_usage(folder).free
    if free < min_free_mb * 1024 * 1024:
        return WriteBlock("space", folder)
    return None


def write_refused(exc: BaseException, path: Path) -> WriteBlock | None:
    """The block behind a failed write (full disk or no permission), from the error and its causes; else None."""
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "errno", None)
        text = str(seen).lower()
        if code in (errno.ENOSPC, errno.EDQUOT) or any(marker in text for marker in _FULL_TEXT):
            return WriteBlock("space", path)
        if code in _NO_PERMISSION or any(marker in text for marker in _READ_ONLY_TEXT):
            return WriteBlock("permission", path)
        seen = seen.__cause__ or seen.__context__
    return None


@contextmanager
def saving(what: str, path: Path) -> Iterator[None]:
    """A write the disk refused (read-only, full) becomes one Chinese sentence naming what was not saved.

    SQLite rolls the transaction back, so nothing is half-written.
    """
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        block = write_refused(exc, path)
        if block is None and isinstance(exc, sqlite3.OperationalError):
            block = unwritable(path.parent)  # "unable to open database file": one SQLite could not create
        if block is None:
            raise
        log.error("%s not saved cause=%s path=%s error=%s", what, block.cause, path, exc, extra=SHOWN_TO_USER)
        why = "没有写入权限" if block.cause == "permission" else "磁盘空间不足"
        raise UserError(f"{why}，{what}未能保存：{path}") from exc


def connect_read_only(path: Path) -> sqlite3.Connection:
    """One of our SQLite stores, opened so that nothing is ever written to it or beside it.

    mode=ro needs the -shm file of a WAL database to exist or be creatable; on a read-only folder where the
    writer checkpointed and removed it, immutable=1 reads the file as it is. A missing file is an empty store.
    """
    if not path.exists():
        return sqlite3.connect(":memory:", check_same_thread=False)
    location = quote(str(path))
    try:
        db = sqlite3.connect(f"file:{location}?mode=ro", uri=True, timeout=30, check_same_thread=False)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        log.info("sqlite read-only open failed, reading it as immutable path=%s error=%s", path, exc)
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        log.warning("write-ahead log not read (folder is read-only) path=%s bytes=%d", wal, wal.stat().st_size)
    return sqlite3.connect(f"file:{location}?immutable=1", uri=True, check_same_thread=False)


def _remove_orphaned_snapshots(parent: Path) -> None:
    """Snapshots of processes that died without cleaning up (kill -9)."""
    for folder in parent.glob(f"{SNAPSHOT_PREFIX}*"):
        pid = folder.name[len(SNAPSHOT_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def snapshot_store(source: Path) -> Path:
    """A private copy of the embedded Chroma folder in the temporary directory, removed when the process exits.

    Embedded Chroma writes to its SQLite file even to read (chromadb 1.x has no read-only client,
    chroma-core/chroma#1438), so a read-only index is read through a copy.
    """
    parent = Path(tempfile.gettempdir())
    _remove_orphaned_snapshots(parent)
    folder = Path(tempfile.mkdtemp(prefix=f"{SNAPSHOT_PREFIX}{os.getpid()}-", dir=parent))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    target = folder / "chroma"
    started = time.perf_counter()
    try:
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.mkdir()
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        log.error("read-only index not copied from=%s to=%s error=%s", source, folder, exc)
        raise UserError(
            f"索引目录只读，需要把向量库复制到临时目录 {parent} 后读取，但复制失败，"
            "请检查该目录的空间，或用 TMPDIR 指定其他临时目录。"
        ) from exc
    size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
    log.warning(
        "vector store is read-only; reading a copy from=%s to=%s bytes=%d seconds=%.2f",
        source,
        target,
        size,
        time.perf_counter() - started,
        extra=SHOWN_TO_USER,
    )
    return target
