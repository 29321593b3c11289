"""Rates from two consecutive snapshots: pure functions, no sleeping anywhere."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from exporter.sampling.snapshot import CpuTimes, Process, Snapshot


@dataclass(frozen=True)
class Rates:
    """Per-second rates over `interval` seconds. Empty when there is no previous snapshot."""

    interval: float = 0.0
    cpu_percent: float | None = None
    cpu_per_core: tuple[float, ...] = ()
    net: dict[str, tuple[float, float]] = field(default_factory=dict)  # device → (rx, tx) B/s
    disk: dict[str, tuple[float, float]] = field(default_factory=dict)  # device → (read, write) B/s
    # pid → % of one core, for the processes of the current snapshot that were also in
    # the previous one (same pid and start time); a process seen once has no rate yet.
    process_cpu: dict[int, float] = field(default_factory=dict)
    active: tuple[Process, ...] = ()  # processes with a CPU rate above zero


def _busy_percent(a: CpuTimes, b: CpuTimes) -> float:
    total = b.total - a.total
    if total <= 0:
        return 0.0
    return max(0.0, min(100.0, 100.0 * (b.busy - a.busy) / total))


def _per_second(a: int | float, b: int | float, dt: float) -> float:
    # A counter that went backwards (wrap, interface re-created) yields 0, not a negative rate.
    return max(0.0, (b - a) / dt)


def compute_rates(prev: Snapshot | None, cur: Snapshot) -> Rates:
    """Rates between two consecutive snapshots (empty without a predecessor)."""
    if prev is None:
        return Rates()
    dt = cur.monotonic - prev.monotonic
    if dt <= 0:
        return Rates()
    cpu_percent = None
    per_core: tuple[float, ...] = ()
    if prev.cpu and cur.cpu:
        before = {c.cpu: c for c in prev.cpu.per_cpu}
        per_core = tuple(_busy_percent(before[c.cpu], c) for c in cur.cpu.per_cpu if c.cpu in before)
        if per_core:
            cpu_percent = sum(per_core) / len(per_core)
    net = _device_rates(prev.network, cur.network, ("receive_bytes", "transmit_bytes"), dt)
    disk = _device_rates(prev.disks, cur.disks, ("read_bytes", "written_bytes"), dt)
    process_cpu: dict[int, float] = {}
    active: list[Process] = []
    if prev.processes is not None and cur.processes is not None:
        process_cpu, active = _process_cpu(prev.processes, cur.processes, dt)
    return Rates(dt, cpu_percent, per_core, net, disk, process_cpu, tuple(active))


def _device_rates(
    before: Sequence[Any] | None, after: Sequence[Any] | None, fields: tuple[str, str], dt: float
) -> dict[str, tuple[float, float]]:
    """device → the two `fields` per second, for devices in both readings."""
    if not before or not after:
        return {}
    by_device = {d.device: d for d in before}
    rates = {}
    for d in after:
        b = by_device.get(d.device)
        if b:
            rates[d.device] = (
                _per_second(getattr(b, fields[0]), getattr(d, fields[0]), dt),
                _per_second(getattr(b, fields[1]), getattr(d, fields[1]), dt),
            )
    return rates


def _process_cpu(
    before_procs: tuple[Process, ...], procs: tuple[Process, ...], dt: float
) -> tuple[dict[int, float], list[Process]]:
    # This loop runs once per process, thousands of times: indexes, not attributes.
    # The reader hands back the same object for a process that has not run since.
    before = {p[0]: p for p in before_procs}
    scale = 100.0 / dt
    rates: dict[int, float] = {}
    active: list[Process] = []
    for p in procs:
        q = before.get(p[0])
        if q is p:
            rates[p[0]] = 0.0
        elif q is not None and q[8] == p[8]:  # same pid and start time: the same process
            rate = rates[p[0]] = max(0.0, (p[5] - q[5]) * scale)
            if rate:
                active.append(p)
    return rates, active


def top_by_cpu(processes: tuple[Process, ...], rates: Rates, n: int) -> list[Process]:
    """The n processes that used most CPU since the previous snapshot; ties (the idle
    ones, and those seen for the first time) by CPU seconds used over their life."""
    cpu = rates.process_cpu
    top = heapq.nlargest(n, rates.active, key=lambda p: (cpu[p[0]], p[5]))
    if len(top) < n:
        taken = {p[0] for p in top}
        rest = heapq.nlargest(n + len(taken), processes, key=itemgetter(5))
        top += [p for p in rest if p[0] not in taken][: n - len(top)]
    return top


def top_by_memory(processes: tuple[Process, ...], n: int) -> list[Process]:
    return heapq.nlargest(n, processes, key=itemgetter(6))
