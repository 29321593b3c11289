"""CPU seconds per CPU and mode, and the system counters of /proc/stat."""

from __future__ import annotations

import os
from collections.abc import Callable

from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths, read_text
from exporter.sampling.snapshot import CpuInfo, CpuTimes

# /proc/stat counts in USER_HZ ticks.
TICKS = float(os.sysconf("SC_CLK_TCK"))


def read_cpu(paths: HostPaths) -> CpuInfo:
    per_cpu: list[CpuTimes] = []
    extra = {"procs_running": 0, "procs_blocked": 0, "ctxt": 0, "intr": 0, "btime": 0}
    for line in read_text(paths.proc("stat")).splitlines():
        parts = line.split()
        if not parts:
            continue
        key = parts[0]
        if key.startswith("cpu") and key != "cpu":
            v = [int(x) / TICKS for x in parts[1:9]] + [0.0] * (8 - len(parts[1:9]))
            # guest time is already included in user/nice (node_exporter reports it apart).
            per_cpu.append(CpuTimes(key[3:], v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]))
        elif key in extra and len(parts) > 1:
            extra[key] = int(parts[1])
    return CpuInfo(
        per_cpu=tuple(per_cpu),
        procs_running=extra["procs_running"],
        procs_blocked=extra["procs_blocked"],
        context_switches=extra["ctxt"],
        interrupts=extra["intr"],
        boot_time=float(extra["btime"]),
    )


def make(ctx: CollectorContext) -> Callable[[], CpuInfo]:
    return lambda: read_cpu(ctx.paths)
