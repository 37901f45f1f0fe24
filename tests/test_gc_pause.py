"""Start-up's large builds run without cyclic collections; the collector's own state is kept."""

from __future__ import annotations

import gc
import threading

from assistant.gc_pause import long_lived


def test_the_collector_is_off_while_any_load_runs_and_on_again_after_the_last():
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    inside = threading.Event()
    release = threading.Event()

    def other_load() -> None:
        with long_lived():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=other_load)
    with long_lived():
        worker.start()
        inside.wait(10)
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's load is still under way
    release.set()
    worker.join()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen  # freezing is the short-lived process's choice, not the library's


def test_a_collector_turned_off_by_the_caller_stays_off():
    gc.disable()
    try:
        with long_lived():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
