"""When the index cannot be opened or written: move a damaged local store aside; name a full or read-only disk."""

from __future__ import annotations

import errno
import logging
import time
from pathlib import Path
from typing import Any

from assistant.errors import UserError
from assistant.settings import Settings
from assistant.store import StoreUnavailable, local_store_damaged, open_client

log = logging.getLogger(__name__)


def quarantine_local_store(settings: Settings, reason: str) -> Path | None:
    """Move the embedded Chroma folder aside (kept for inspection) so a rebuild starts from an empty store."""
    source = settings.index_dir / "chroma"
    if not source.exists():
        return None
    target = source.with_name(f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    source.rename(target)
    log.error("vector store moved aside reason=%s to=%s", reason, target)
    return target


def open_client_repairing(settings: Settings, repair: bool) -> Any:
    """The Chroma client; with `repair`, a damaged embedded store is moved aside instead of failing."""
    local = settings.chroma.host is None
    if repair and local and local_store_damaged(settings.index_dir / "chroma"):
        quarantine_local_store(settings, "integrity check failed")
    try:
        return open_client(settings)
    except StoreUnavailable:
        if not (repair and local):
            raise
        quarantine_local_store(settings, "could not be opened")
        return open_client(settings)


_FULL = ("database or disk is full", "no space left")
_READ_ONLY = ("readonly database", "read-only file system", "permission denied")


def write_failure(exc: BaseException, path: Path) -> UserError | None:
    """A Chinese message when the index could not be written for lack of space or permission, else None."""
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "errno", None)
        text = str(seen).lower()
        if code == errno.ENOSPC or any(marker in text for marker in _FULL):
            return UserError(f"磁盘空间不足，无法更新索引，请清理磁盘后重试：{path}")
        if code in (errno.EACCES, errno.EROFS, errno.EPERM) or any(marker in text for marker in _READ_ONLY):
            return UserError(f"没有写入权限，无法更新索引，请检查目录权限：{path}")
        seen = seen.__cause__ or seen.__context__
    return None
