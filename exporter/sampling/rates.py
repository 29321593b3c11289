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


@dataclass(frozen=True)
class ProcessDiff:
    """The processes of a snapshot against its predecessor's. The reader hands back the
    very object it served last time for a process that has not run since; `changed` are
    the others (ran, or new), `pairs` the same as (the predecessor's process of that pid
    or None, the changed one), `changed_pids` their pids, `gone` the predecessor's
    processes (by pid) that are not in the snapshot at all, and `cpu` the CPU seconds
    each process of both used in between (0.0 for the unchanged)."""

    pairs: tuple[tuple[Process | None, Process], ...]
    changed: tuple[Process, ...]
    changed_pids: frozenset[int]
    gone: dict[int, Process]
    cpu: dict[int, float]

    def unchanged(self, p: Process) -> bool:
        """Whether `p`, a process of the predecessor, is in the snapshot as the same object."""
        return p[0] not in self.gone and p[0] not in self.changed_pids


def diff_processes(before_procs: tuple[Process, ...], procs: tuple[Process, ...]) -> ProcessDiff:
    # This loop runs once per process, thousands of times: indexes, not attributes.
    before = {p[0]: p for p in before_procs}  # faster than dict(zip(map(...))) here
    pop = before.pop
    cpu: dict[int, float] = {}
    changed: list[Process] = []
    pairs: list[tuple[Process | None, Process]] = []
    for p in procs:
        q = pop(p[0], None)
        if q is p:
            cpu[p[0]] = 0.0
            continue
        changed.append(p)
        pairs.append((q, p))
        if q is not None and q[8] == p[8]:  # same pid and start time: the same process
            cpu[p[0]] = p[5] - q[5]
    return ProcessDiff(tuple(pairs), tuple(changed), frozenset(map(itemgetter(0), changed)), before, cpu)


def compute_rates(prev: Snapshot | None, cur: Snapshot, diff: ProcessDiff | None = None) -> Rates:
    """Rates between two consecutive snapshots (empty without a predecessor); `diff` is
    diff_processes() of their processes if the caller has it already."""
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
        diff = diff or diff_processes(prev.processes, cur.processes)
        process_cpu, active = _process_cpu(diff, dt)
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


def _process_cpu(diff: ProcessDiff, dt: float) -> tuple[dict[int, float], list[Process]]:
    """% of one core per process from the CPU seconds of `diff`; only the changed ones
    can have a rate above zero."""
    rates = dict(diff.cpu)
    scale = 100.0 / dt
    active: list[Process] = []
    for p in diff.changed:
        used = rates.get(p[0])
        if used is not None:
            rate = rates[p[0]] = max(0.0, used * scale)
            if rate:
                active.append(p)
    return rates, active


def by_lifetime_cpu(p: Process) -> tuple[float, int]:
    """CPU seconds over the process's life; equal ones by pid, lowest first (a total order)."""
    return (p[5], -p[0])


def by_memory(p: Process) -> tuple[int, int]:
    """Resident bytes; equal ones by pid, lowest first (a total order)."""
    return (p[6], -p[0])


def top_by_cpu(
    processes: tuple[Process, ...], rates: Rates, n: int, lifetime: Sequence[Process] | None = None
) -> list[Process]:
    """The n processes that used most CPU since the previous snapshot; ties (the idle
    ones, and those seen for the first time) by CPU seconds used over their life.
    `lifetime` is the top 2n of `processes` by_lifetime_cpu if the caller has it."""
    cpu = rates.process_cpu
    top = heapq.nlargest(n, rates.active, key=lambda p: (cpu[p[0]], p[5]))
    if len(top) < n:
        taken = {p[0] for p in top}
        rest = lifetime if lifetime is not None else heapq.nlargest(2 * n, processes, key=by_lifetime_cpu)
        top += [p for p in rest if p[0] not in taken][: n - len(top)]
    return top


def top_by_memory(processes: tuple[Process, ...], n: int) -> list[Process]:
    return heapq.nlargest(n, processes, key=by_memory)
