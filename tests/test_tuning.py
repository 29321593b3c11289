from __future__ import annotations

import platform

from exporter.web.server import limit_malloc_arenas


def test_malloc_arenas_capped_on_glibc() -> None:
    expected = platform.libc_ver()[0] == "glibc"
    assert limit_malloc_arenas() is expected


def test_heap_is_trimmed_periodically_on_glibc() -> None:
    """The trimmer runs in the background and keeps running (a crash in ctypes would end it)."""
    import time

    from exporter.web.server import trim_malloc_every

    thread = trim_malloc_every(0.01)
    if platform.libc_ver()[0] != "glibc":
        assert thread is None
        return
    assert thread is not None and thread.daemon and thread.name == "malloc-trim"
    time.sleep(0.1)  # about ten trims
    assert thread.is_alive()
