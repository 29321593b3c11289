"""node_exporter's `timex` collector: the kernel's clock discipline state, from adjtimex(2).

Read-only (modes 0), through ctypes: the values say whether the clock is
synchronised (node_timex_sync_status), its offset and error estimates, and the
PPS counters. It reads the running kernel, whatever root_prefix says.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable

from exporter.exposition.families import CounterFamily, GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.scalars import Scalars

TIME_ERROR = 5  # adjtimex's return when the clock is not synchronised
STA_NANO = 0x2000  # offset and jitter are in ns, not µs
MICRO = 1_000_000.0
NANO = 1_000_000_000.0
PPM16FRAC = 1_000_000.0 * 65536.0  # freq, ppsfreq and stabil are ppm with a 16-bit fraction


class Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class Timex(ctypes.Structure):
    """struct timex of <sys/timex.h> (glibc), padding included."""

    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time", Timeval),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_reserved", ctypes.c_int * 11),
    ]


def timex_families(state: int, tx: Timex, scalars: Scalars | None = None) -> list[GaugeFamily | CounterFamily]:
    """The families of one adjtimex(2) reading; with `scalars`, a value that did not move (the tick,
    the status, the PPS counters: most of them on most hosts) is last collection's family."""
    div = NANO if tx.status & STA_NANO else MICRO
    family = (scalars or Scalars()).family

    def g(name: str, documentation: str, value: float) -> GaugeFamily:
        return family(GaugeFamily, name, documentation, value)

    def c(name: str, documentation: str, value: float) -> CounterFamily:
        return family(CounterFamily, name, documentation, value)

    return [
        g("node_timex_sync_status", "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
          0.0 if state == TIME_ERROR else 1.0),
        g("node_timex_offset_seconds", "Time offset in between local system and reference clock.", tx.offset / div),
        g("node_timex_frequency_adjustment_ratio", "Local clock frequency adjustment.", 1 + tx.freq / PPM16FRAC),
        g("node_timex_maxerror_seconds", "Maximum error in seconds.", tx.maxerror / MICRO),
        g("node_timex_estimated_error_seconds", "Estimated error in seconds.", tx.esterror / MICRO),
        g("node_timex_status", "Value of the status array bits.", float(tx.status)),
        g("node_timex_loop_time_constant", "Phase-locked loop time constant.", float(tx.constant)),
        g("node_timex_tick_seconds", "Seconds between clock ticks.", tx.tick / MICRO),
        g("node_timex_pps_frequency_hertz", "Pulse per second frequency.", tx.ppsfreq / PPM16FRAC),
        g("node_timex_pps_jitter_seconds", "Pulse per second jitter.", tx.jitter / div),
        g("node_timex_pps_shift_seconds", "Pulse per second interval duration.", float(tx.shift)),
        g("node_timex_pps_stability_hertz", "Pulse per second stability, average of recent frequency changes.",
          tx.stabil / PPM16FRAC),
        c("node_timex_pps_jitter", "Pulse per second count of jitter limit exceeded events.", float(tx.jitcnt)),
        c("node_timex_pps_calibration", "Pulse per second count of calibration intervals.", float(tx.calcnt)),
        c("node_timex_pps_error", "Pulse per second count of calibration errors.", float(tx.errcnt)),
        c("node_timex_pps_stability_exceeded", "Pulse per second count of stability limit exceeded events.",
          float(tx.stbcnt)),
        g("node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.", float(tx.tai)),
    ]


def _libc() -> ctypes.CDLL:
    """glibc by its soname, as exporter/tuning.py loads it; where there is none (musl), the C
    library the interpreter itself is linked with (dlopen(NULL)).

    Not ctypes.util.find_library("c"): that spawns `/sbin/ldconfig -p` each time a runtime
    is built (every test that builds one, every reload)."""
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return ctypes.CDLL(None, use_errno=True)


def make(ctx: CollectorContext) -> Callable[[], list[GaugeFamily | CounterFamily]]:
    libc = _libc()
    adjtimex = libc.adjtimex
    adjtimex.argtypes = [ctypes.POINTER(Timex)]
    adjtimex.restype = ctypes.c_int

    scalars = Scalars()

    def collect() -> list[GaugeFamily | CounterFamily]:
        tx = Timex()  # modes 0: read only
        state = adjtimex(ctypes.byref(tx))
        if state < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), "adjtimex")
        return timex_families(state, tx, scalars)

    return collect
