"""The cyclic garbage collector kept off what lives long: paused while start-up builds large structures, and the
parsed library frozen out of it during a sync.

Opening a 1,500-document index builds the catalog's outlines, the BM25 vocabulary and jieba's dictionary: millions
of objects. Each full collection meanwhile rescanned all of them (0.6 s of a 3.5 s cold search). What they build
has no reference cycles to collect. (Freezing it is left to short-lived processes, see the CLI's context: a sync
unfreezes what it froze, which is everything.)
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # loads under way, in any thread (the collector is process-wide)
_resume = False  # whether the collector was on when the first of them began


@contextmanager
def long_lived() -> Iterator[None]:
    """Build what lives as long as the process without collections in between (the collector resumes when all
    loads under way in any thread are done)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()


@contextmanager
def frozen_while() -> Iterator[None]:
    """Everything alive now is left out of collections until the block ends (then unfrozen).

    A sync holds the parsed library (millions of objects) throughout; every full collection walked all of it again
    (py-spy on a full-library build: a sixth of the samples). Frozen objects are still freed by reference counting.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
