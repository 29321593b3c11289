"""node_exporter's `schedstat` collector: per-CPU run and wait time and timeslices from /proc/schedstat."""

from __future__ import annotations

from collections.abc import Callable

from exporter.exposition.families import CounterFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths, read_text


def read_schedstat(paths: HostPaths) -> list[CounterFamily]:
    running = CounterFamily("node_schedstat_running_seconds", "Number of seconds CPU spent running a process.",
                            labels=["cpu"])
    waiting = CounterFamily("node_schedstat_waiting_seconds",
                            "Number of seconds spent by processing waiting for this CPU.", labels=["cpu"])
    slices = CounterFamily("node_schedstat_timeslices", "Number of timeslices executed by CPU.", labels=["cpu"])
    for line in read_text(paths.proc("schedstat")).splitlines():
        if not line.startswith("cpu"):
            continue
        p = line.split()
        if len(p) < 10:
            continue
        cpu = p[0][3:]
        running.add_metric([cpu], int(p[7]) / 1e9)
        waiting.add_metric([cpu], int(p[8]) / 1e9)
        slices.add_metric([cpu], float(p[9]))
    return [running, waiting, slices]


def make(ctx: CollectorContext) -> Callable[[], list[CounterFamily]]:
    return lambda: read_schedstat(ctx.paths)
