"""Our own process, read from /proc/self like any other host file (psutil's rule: one place reads /proc).

The exporter keeps one descriptor per host process open, so counting our open
descriptors by listing /proc/self/fd (what prometheus_client's ProcessCollector
does) would cost a listing of ~1,000 entries per scrape. Linux 6.2+ reports that
count as the st_size of /proc/self/fd, so one stat() does; older kernels fall
back to the listing.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass

from exporter.host.cpu import read_cpu
from exporter.host.paths import HostPaths
from exporter.host.proc_stat import PAGE_SIZE, TICKS


@dataclass(frozen=True)
class SelfProcess:
    virtual_memory_bytes: float
    resident_memory_bytes: float
    start_time_seconds: float
    cpu_seconds: float
    open_fds: float
    max_fds: float
    virtual_memory_max_bytes: float


def open_fds() -> int:
    n = os.stat("/proc/self/fd").st_size
    return n if n > 0 else len(os.listdir("/proc/self/fd")) - 1  # minus the listing's own descriptor


UNLIMITED = float(2**64 - 1)  # what client_golang's procfs reports for "unlimited"


def _soft(which: int) -> float:
    soft = resource.getrlimit(which)[0]
    return UNLIMITED if soft == resource.RLIM_INFINITY else float(soft)


def limits() -> tuple[float, float]:
    """(max open files, max address space in bytes): our soft limits, the values
    /proc/self/limits shows, from getrlimit(2) (no text for the kernel to print and us to parse)."""
    return _soft(resource.RLIMIT_NOFILE), _soft(resource.RLIMIT_AS)


class SelfReader:
    """Reads our own process; the boot time (for the start time) is read once."""

    def __init__(self) -> None:
        self._btime = read_cpu(HostPaths()).boot_time  # our own /proc, whatever root_prefix says
        self._stat_fd = -1  # /proc/self/stat kept open: a pread instead of open, read and close

    def _stat(self) -> bytes:
        if self._stat_fd < 0:
            self._stat_fd = os.open("/proc/self/stat", os.O_RDONLY | os.O_CLOEXEC)
        try:
            return os.pread(self._stat_fd, 4096, 0)
        except OSError:  # not expected for our own process; open it afresh next time
            os.close(self._stat_fd)
            self._stat_fd = -1
            raise

    def __call__(self) -> SelfProcess:
        parts = self._stat().rsplit(b")", 1)[-1].split()
        max_files, max_address_space = limits()
        # parts[n] is field n + 3 of proc(5): utime 14, stime 15, starttime 22, vsize 23, rss 24.
        return SelfProcess(
            virtual_memory_bytes=float(parts[20]),
            resident_memory_bytes=float(parts[21]) * PAGE_SIZE,
            start_time_seconds=float(parts[19]) / TICKS + self._btime,
            cpu_seconds=(float(parts[11]) + float(parts[12])) / TICKS,
            open_fds=float(open_fds()),
            max_fds=max_files,
            virtual_memory_max_bytes=max_address_space,
        )
