"""Freed memory goes back to the operating system when asked (Linux with glibc, where the product runs)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import resource
from assistant.heap import return_freed_memory

def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024

# 200,000 strings of 1 KB (allocated by malloc, not by Python's small-object allocator); one in 16 kept, so the
# freed ones are holes in the heap that the allocator does not give back by itself.
texts = [("%07d" % i) * 150 for i in range(200_000)]
kept = texts[::16]
del texts
before = rss_kb()
print(return_freed_memory(), before - rss_kb())
"""


def test_returning_freed_memory_lowers_the_resident_size():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    trimmed, released_kb = done.stdout.split()
    assert trimmed == "True"
    assert int(released_kb) > 100_000  # of about 190 MB freed, most goes back
