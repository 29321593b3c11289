"""Rates from two consecutive snapshots: pure functions, no sleeping anywhere."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from exporter.sampling.snapshot import CpuTimes, Process, ProcessChanges, Snapshot


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
    # A ProcessRates (see rate_of) when computed from a diff.
    process_cpu: Mapping[int, float] = field(default_factory=dict)
    active: tuple[Process, ...] = ()  # processes with a CPU rate above zero


class ProcessRates(Mapping[int, float]):
    """pid → % of one core without a dict entry per process: the rates of the processes
    that changed are kept, the others (the previous snapshot's very objects) are 0.0, and
    those seen for the first time have none. The whole mapping is built only if asked
    for as one (iteration, len, a pid not looked up through rate_of)."""

    def __init__(self, changed: dict[int, float], first_seen: frozenset[int], procs: tuple[Process, ...]) -> None:
        self._changed = changed
        self._first_seen = first_seen
        self._procs = procs
        self._full: dict[int, float] | None = None

    def rate_of(self, p: Process) -> float | None:
        """The rate of `p`, a process of the current snapshot (None: seen for the first time)."""
        rate = self._changed.get(p[0])
        if rate is not None:
            return rate
        return None if p[0] in self._first_seen else 0.0

    def _all(self) -> dict[int, float]:
        if self._full is None:
            full = dict.fromkeys(map(itemgetter(0), self._procs), 0.0)
            for pid in self._first_seen:
                full.pop(pid, None)
            full.update(self._changed)
            self._full = full
        return self._full

    def __getitem__(self, pid: int) -> float:
        rate = self._changed.get(pid)
        return rate if rate is not None else self._all()[pid]

    def __iter__(self) -> Iterator[int]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def rate_of(rates: Mapping[int, float], p: Process) -> float | None:
    """The rate of `p` (a process of the Reading) in Rates.process_cpu, None if it has none yet."""
    if isinstance(rates, ProcessRates):
        return rates.rate_of(p)
    return rates.get(p[0])


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
    processes (by pid) that are not in the snapshot at all, `used` the CPU seconds each
    changed process of both snapshots used in between (the unchanged used none), and
    `first_seen` the pids of the changed ones the predecessor did not have (or had
    under another start time)."""

    pairs: tuple[tuple[Process | None, Process], ...]
    changed: tuple[Process, ...]
    changed_pids: frozenset[int]
    gone: dict[int, Process]
    used: dict[int, float]
    first_seen: frozenset[int]

    def unchanged(self, p: Process) -> bool:
        """Whether `p`, a process of the predecessor, is in the snapshot as the same object."""
        return p[0] not in self.gone and p[0] not in self.changed_pids


def diff_processes(before_procs: tuple[Process, ...], procs: tuple[Process, ...]) -> ProcessDiff:
    """`procs` against `before_procs`: from the reader's own account when `procs` is a
    ProcessList that follows `before_procs`, else by comparing every process."""
    changes = getattr(procs, "changes", None)
    if isinstance(changes, ProcessChanges) and changes.follows(before_procs):
        return diff_from_changes(procs, changes)
    return compare_processes(before_procs, procs)


def compare_processes(before_procs: tuple[Process, ...], procs: tuple[Process, ...]) -> ProcessDiff:
    # This loop runs once per process, thousands of times: indexes, not attributes.
    before = {p[0]: p for p in before_procs}  # faster than dict(zip(map(...))) here
    pop = before.pop
    pairs: list[tuple[Process | None, Process]] = []
    for p in procs:
        q = pop(p[0], None)
        if q is not p:
            pairs.append((q, p))
    return _diff_of(tuple(pairs), before)


def _diff_of(pairs: tuple[tuple[Process | None, Process], ...], gone: dict[int, Process]) -> ProcessDiff:
    used: dict[int, float] = {}
    first_seen: list[int] = []
    for q, p in pairs:
        if q is not None and q[8] == p[8]:  # same pid and start time: the same process
            used[p[0]] = p[5] - q[5]
        else:
            first_seen.append(p[0])
    changed = tuple(p for _q, p in pairs)
    return ProcessDiff(pairs, changed, frozenset(map(itemgetter(0), changed)), gone, used, frozenset(first_seen))


def diff_from_changes(procs: tuple[Process, ...], changes: ProcessChanges) -> ProcessDiff:
    """The ProcessDiff of a reader's ProcessList against the one before it, from the
    ProcessChanges the reader handed out with it: a pass over what changed only."""
    return _diff_of(changes.pairs, changes.gone)


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
    process_cpu: Mapping[int, float] = {}
    active: list[Process] = []
    if prev.processes is not None and cur.processes is not None:
        diff = diff or diff_processes(prev.processes, cur.processes)
        process_cpu, active = _process_cpu(diff, cur.processes, dt)
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


def _process_cpu(diff: ProcessDiff, procs: tuple[Process, ...], dt: float) -> tuple[ProcessRates, list[Process]]:
    """% of one core per process from the CPU seconds of `diff`; only the changed ones
    can have a rate above zero."""
    scale = 100.0 / dt
    rates: dict[int, float] = {}
    active: list[Process] = []
    used = diff.used
    for p in diff.changed:
        seconds = used.get(p[0])
        if seconds is not None:
            rate = rates[p[0]] = max(0.0, seconds * scale)
            if rate:
                active.append(p)
    return ProcessRates(rates, diff.first_seen, procs), active


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
