"""Memory the process has freed, handed back to the operating system.

A large sync frees the parsed library (about 360 MB for 1,500 documents) just before it makes the lexical index.
The C allocator keeps freed pages for reuse, but the lexical index's arrays are allocated elsewhere (large blocks
are mapped anew), so without a trim the peak of a build is the two together.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)


def return_freed_memory() -> bool:
    """Ask the C allocator to release free pages (glibc's malloc_trim); False where there is no such call."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # another C library (musl, macOS): nothing to do
        trim = None
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
    return True
