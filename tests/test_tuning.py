"""exporter.tuning: the process-wide allocator and open-files settings `serve` applies.

The trimmer runs with an injected trim function and is stopped by each test, so no thread
outlives its test; the settings that change the whole interpreter are applied in a child."""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import threading

import pytest

from exporter.tuning import HeapTrimmer, malloc_trim

GLIBC = platform.libc_ver()[0] == "glibc"


def test_the_trimmer_trims_periodically_and_stops() -> None:
    calls: list[int] = []
    twice = threading.Event()

    def trim() -> None:
        calls.append(1)
        if len(calls) >= 2:
            twice.set()

    trimmer = HeapTrimmer(0.001, trim=trim).start()
    try:
        assert trimmer.running
        assert twice.wait(10), "the trimmer did not trim twice"
    finally:
        trimmer.stop()
    assert not trimmer.running  # the thread has ended: it trims no more


def test_a_stopped_trimmer_does_not_wait_for_its_period() -> None:
    trimmer = HeapTrimmer(3600.0, trim=lambda: None).start()
    trimmer.stop(timeout=5.0)
    assert not trimmer.running
    HeapTrimmer(3600.0, trim=lambda: None).stop()  # one never started stops too


def test_glibc_trim_is_callable_where_there_is_glibc() -> None:
    trim = malloc_trim()
    assert (trim is not None) is GLIBC
    if trim is not None:
        assert trim() in (0, 1)  # 1: memory was released, 0: there was none to release


CHILD = """
import json, resource
from exporter import tuning
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 256), hard))  # a low start, as under many init systems
soft0 = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
print(json.dumps({"arenas": tuning.limit_malloc_arenas(), "soft0": soft0, "hard": hard,
                  "raised": tuning.raise_fd_limit(), "soft": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}))
"""


@pytest.mark.integration
def test_arenas_and_fd_limit_in_a_child() -> None:
    """In a child interpreter, so this test process keeps its allocator and limits."""
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=30, check=True)
    got = json.loads(out.stdout)
    assert got["arenas"] is GLIBC
    hard = got["hard"]
    assert got["soft0"] <= 256
    expected = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
    assert got["raised"] == got["soft"] == expected

