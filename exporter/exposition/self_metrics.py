"""The exporter's own process metrics (sysmon_process_*), as prometheus_client's
ProcessCollector names them, without its cost: the process reader keeps one
descriptor per host process open, and ProcessCollector lists /proc/self/fd on
every scrape to count them. Linux 6.2+ reports that count as the st_size of
/proc/self/fd, so one stat() does; older kernels fall back to the listing."""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from exporter.exposition.families import CounterFamily, GaugeFamily
from exporter.host.cpu import read_cpu
from exporter.host.paths import HostPaths
from exporter.host.processes import PAGE_SIZE, TICKS


def open_fds() -> int:
    n = os.stat("/proc/self/fd").st_size
    return n if n > 0 else len(os.listdir("/proc/self/fd")) - 1  # minus the listing's own descriptor


def max_fds() -> float:
    with open("/proc/self/limits", "rb") as f:
        for line in f:
            if line.startswith(b"Max open files"):
                return float(line.split()[3])
    return float("nan")


class SelfCollector(Collector):
    def __init__(self, prefix: str = "sysmon_process_") -> None:
        self._prefix = prefix
        self._btime = read_cpu(HostPaths()).boot_time  # our own /proc, whatever root_prefix says

    def collect(self) -> Iterator[Metric]:
        p = self._prefix
        with open("/proc/self/stat", "rb") as f:
            parts = f.read().rsplit(b")", 1)[-1].split()
        yield GaugeFamily(p + "virtual_memory_bytes", "Virtual memory size in bytes.", value=float(parts[20]))
        yield GaugeFamily(p + "resident_memory_bytes", "Resident memory size in bytes.",
                                value=float(parts[21]) * PAGE_SIZE)
        yield GaugeFamily(p + "start_time_seconds", "Start time of the process since unix epoch in seconds.",
                                value=float(parts[19]) / TICKS + self._btime)
        yield CounterFamily(p + "cpu_seconds", "Total user and system CPU time spent in seconds.",
                                  value=(float(parts[11]) + float(parts[12])) / TICKS)
        yield GaugeFamily(p + "open_fds", "Number of open file descriptors.", value=open_fds())
        yield GaugeFamily(p + "max_fds", "Maximum number of open file descriptors.", value=max_fds())
