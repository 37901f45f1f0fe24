"""When the index cannot be opened or written: move a damaged local store aside; name a full or read-only disk."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from assistant.errors import UserError
from assistant.read_only import write_refused
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


def write_failure(exc: BaseException, path: Path) -> UserError | None:
    """A Chinese message when the index could not be written for lack of space or permission, else None."""
    block = write_refused(exc, path)
    return block.error() if block is not None else None
