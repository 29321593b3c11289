"""timex: adjtimex(2)'s fields converted as node_exporter converts them, and the real call on this host."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest

from exporter.host import timex
from tests.support.host_tree import collect, samples


def test_conversions() -> None:
    tx = timex.Timex(offset=1500, freq=65536 * 10, maxerror=16000, esterror=250, status=timex.STA_NANO | 1,
                     constant=7, tick=10000, ppsfreq=65536, jitter=2000, shift=4, stabil=65536 * 2,
                     jitcnt=1, calcnt=2, errcnt=3, stbcnt=4, tai=37)
    got = samples(timex.timex_families(0, tx))
    assert got[("node_timex_sync_status", ())] == 1
    assert got[("node_timex_offset_seconds", ())] == 1500 / 1e9  # STA_NANO: nanoseconds
    assert got[("node_timex_frequency_adjustment_ratio", ())] == 1 + 10 / 1e6
    assert got[("node_timex_maxerror_seconds", ())] == 0.016
    assert got[("node_timex_pps_jitter_seconds", ())] == 2000 / 1e9
    assert got[("node_timex_pps_stability_hertz", ())] == 2 / 1e6
    assert got[("node_timex_pps_stability_exceeded_total", ())] == 4
    assert got[("node_timex_tai_offset_seconds", ())] == 37
    micro = samples(timex.timex_families(timex.TIME_ERROR, timex.Timex(offset=1500)))
    assert micro[("node_timex_offset_seconds", ())] == 0.0015 and micro[("node_timex_sync_status", ())] == 0


def test_reads_this_kernel(tmp_path: Path) -> None:
    got = collect(timex.make, tmp_path)
    assert len(got) == 17
    assert got[("node_timex_tick_seconds", ())] > 0  # the kernel's tick is never 0


def test_without_glibc_the_interpreters_own_c_library_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """musl has no libc.so.6: the collector then takes adjtimex from dlopen(NULL), the C library
    the interpreter is linked with, and still reads the kernel (no ldconfig run either way)."""
    real = ctypes.CDLL
    asked: list[str | None] = []

    def cdll(name: str | None, **kw: object) -> ctypes.CDLL:
        asked.append(name)
        if name == "libc.so.6":
            raise OSError("libc.so.6: cannot open shared object file")
        return real(name, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(timex.ctypes, "CDLL", cdll)
    lib = timex._libc()
    assert asked == ["libc.so.6", None]
    tx = timex.Timex()
    assert lib.adjtimex(ctypes.byref(tx)) >= 0 and tx.tick > 0
