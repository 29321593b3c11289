from __future__ import annotations

import platform

from exporter.server import limit_malloc_arenas


def test_malloc_arenas_capped_on_glibc() -> None:
    expected = platform.libc_ver()[0] == "glibc"
    assert limit_malloc_arenas() is expected
