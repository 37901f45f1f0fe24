"""Per-thread BLAS threading: each embedding worker runs its own single-threaded BLAS on one core.

numpy's OpenBLAS spins its own threads per call; several worker threads each asking for all cores would
oversubscribe the machine. OpenBLAS 0.3.27+ can set the count per calling thread.
"""

from __future__ import annotations

import ctypes
import logging
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)


@cache
def _openblas() -> ctypes.CDLL | None:
    import numpy

    folder = Path(numpy.__file__).resolve().parent.parent / "numpy.libs"
    for library in sorted(folder.glob("*openblas*.so*")):
        try:
            handle = ctypes.CDLL(str(library))
        except OSError:
            continue
        if hasattr(handle, "openblas_set_num_threads_local"):
            return handle
    log.info("numpy's BLAS has no per-thread thread count; embedding runs in one worker")
    return None


def per_thread_blas_available() -> bool:
    return _openblas() is not None


def use_one_blas_thread() -> None:
    """Called in each worker thread before it multiplies."""
    library = _openblas()
    if library is not None:
        library.openblas_set_num_threads_local(1)
