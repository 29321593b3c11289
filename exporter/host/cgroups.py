"""Per-service resource use from cgroup v2: CPU, memory, I/O bytes and pressure of each
systemd service, slice and container cgroup, with bounded cardinality.

node_exporter has no such thing and process-exporter users ask for it. A series is
a cgroup path ("/system.slice/ssh.service") down to `cgroups.max_depth`; at most
`cgroups.max_series` cgroups get one (sticky slots, heaviest first at start, as
the process groups do); the cgroups beyond are summed as "other". A counter of a
series keeps what its cgroups had used when they go away, so a service restarted
in a fresh cgroup, or a container that exits from "other", never makes a counter
go down (Prometheus would read a reset).

Cost follows activity: the tree's one cpu.stat sample per collection (shared
with the process reader) tells which cgroups ran; a cgroup that did not run keeps
its last memory, I/O and pressure figures and is read again at least every
REFRESH_SECONDS (memory reclaimed, or pages written back, while it sleeps; a
stall counted before the stalled task ran again). Note that "other" sums cgroups
of several depths, so it counts a slice and its services both.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from exporter.host.cgroup_tree import Cgroup, CgroupTree, shared_tree
from exporter.host.context import CollectorContext
from exporter.host.sysfs import KeptFile
from exporter.sampling.snapshot import CgroupUsage

OTHER = "other"
# The counters of CgroupUsage, in the order _read gives them.
COUNTERS = (
    "cpu_seconds",
    "io_read_bytes",
    "io_written_bytes",
    "cpu_waiting_seconds",
    "io_waiting_seconds",
    "io_stalled_seconds",
    "memory_waiting_seconds",
    "memory_stalled_seconds",
)
_FILES = ("memory.current", "io.stat", "cpu.pressure", "io.pressure", "memory.pressure")

Values = tuple[int | None, tuple[float | None, ...]]  # (memory bytes, counters in COUNTERS order)


def parse_io_stat(data: bytes) -> tuple[int, int]:
    """(read bytes, written bytes) summed over the devices of an io.stat."""
    rbytes = wbytes = 0
    for field in data.split():
        if field.startswith(b"rbytes="):
            rbytes += int(field[7:])
        elif field.startswith(b"wbytes="):
            wbytes += int(field[7:])
    return rbytes, wbytes


def parse_pressure(data: bytes) -> tuple[float | None, float | None]:
    """("some" total, "full" total) in seconds from a PSI file."""
    some = full = None
    for line in data.splitlines():
        kind, _, rest = line.partition(b" ")
        total = rest.rpartition(b"total=")[2]
        if not total.isdigit():
            continue
        if kind == b"some":
            some = int(total) / 1e6
        elif kind == b"full":
            full = int(total) / 1e6
    return some, full


class _Watch:
    """The files of one cgroup in scope, kept open, and what they said last."""

    __slots__ = ("cg", "files", "values", "usage", "due")

    def __init__(self, cg: Cgroup) -> None:
        self.cg = cg
        # Kept open while the descriptor budget allows, else opened for each read (KeptFile).
        self.files = [KeptFile(os.path.join(cg.dir, name)) for name in _FILES]
        self.values: Values = (None, ())
        self.usage = -2  # the usage at our last read (-2: never read)
        self.due = 0.0

    def read(self) -> Values:
        mem, io, cpu_p, io_p, mem_p = (_read(f) for f in self.files)
        memory = _int(mem)
        rbytes, wbytes = parse_io_stat(io) if io is not None else (None, None)
        cpu_some = parse_pressure(cpu_p)[0] if cpu_p is not None else None
        io_some, io_full = parse_pressure(io_p) if io_p is not None else (None, None)
        mem_some, mem_full = parse_pressure(mem_p) if mem_p is not None else (None, None)
        usage = self.cg.usage
        cpu = usage / 1e6 if usage >= 0 else None
        return memory, (cpu, rbytes, wbytes, cpu_some, io_some, io_full, mem_some, mem_full)

    def close(self) -> None:
        for f in self.files:
            f.close()


def _read(f: KeptFile) -> bytes | None:
    try:
        return f.read()
    except OSError:  # not there (no such controller here) or the cgroup is gone
        return None


def _int(data: bytes | None) -> int | None:
    if not data:
        return None
    try:
        return int(data)
    except ValueError:
        return None


def _add(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else a + b


class CgroupUsageCollector:
    """Stateful: the watched cgroups, the series' sticky slots and the counters of
    cgroups that left a series. Called once per collection, it returns the series."""

    REFRESH_SECONDS = 30.0

    def __init__(
        self, tree: CgroupTree, max_series: int, max_depth: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._tree = tree
        self._max_series = max_series
        self._max_depth = max_depth
        self._clock = clock
        self._watches: dict[str, _Watch] = {}
        self._slots: set[str] = set()
        self._series_of: dict[str, str] = {}  # cgroup path → series name
        self._base: dict[str, list[float | None]] = {}  # series → counters of its departed cgroups
        self._last: dict[str, Values] = {}  # cgroup path → what it had last (to add to the base when it goes)
        self._high: dict[str, list[float | None]] = {}  # series → the highest counters exported
        self._lock = threading.Lock()
        self._samples_seen = tree.samples
        self._walked: dict[str, Cgroup] | None = None  # the tree's cgroups when we last listed ours
        self._live: list[tuple[str, Cgroup]] = []
        self._out: tuple[CgroupUsage, ...] | None = None
        self.reads = 0  # cgroups whose files were read (the rest were served their last figures)

    def __call__(self) -> tuple[CgroupUsage, ...]:
        with self._lock:
            return self._collect()

    def _collect(self) -> tuple[CgroupUsage, ...]:
        # The process reader samples the tree at the start of each collection (it comes
        # first in the table); without it, sample here.
        if self._tree.samples == self._samples_seen:
            self._tree.sample()
        self._samples_seen = self._tree.samples
        now = self._clock()
        tree_cgroups = self._tree.cgroups
        walked = tree_cgroups is not self._walked  # the tree was walked again: cgroups came or went
        if walked:
            self._walked = tree_cgroups
            self._live = [(p, cg) for p, cg in tree_cgroups.items() if 1 <= cg.depth <= self._max_depth]
            live = dict(self._live)
            for path in [p for p in self._watches if p not in live or self._watches[p].cg is not live[p]]:
                self._watches.pop(path).close()
        changed = walked or self._out is None
        current: dict[str, Values] = {}
        for i, (path, cg) in enumerate(self._live):
            w = self._watches.get(path)
            if w is None:
                w = self._watches[path] = _Watch(cg)
            if cg.usage != w.usage or cg.usage < 0 or now >= w.due:
                values = w.read()
                changed = changed or values != w.values
                w.values = values
                w.usage = cg.usage
                w.due = now + self.REFRESH_SECONDS * (1.0 + (i % 16) / 16.0)
                self.reads += 1
            current[path] = w.values
        if not changed and self._out is not None:
            return self._out  # nothing moved: the same series (downstream can tell by identity)
        self._assign_slots(current)
        for path in [p for p in self._last if p not in current]:  # gone: its counters stay in its series
            series = self._series_of.pop(path)
            base = self._base.setdefault(series, [None] * len(COUNTERS))
            for j, v in enumerate(self._last.pop(path)[1]):
                base[j] = _add(base[j], v)
        self._last = current
        self._out = self._series(current)
        return self._out

    def _assign_slots(self, current: dict[str, Values]) -> None:
        new = [p for p in current if p not in self._series_of]
        if not new:
            return
        # Heaviest first (CPU seconds so far), so a host's big services get the first slots.
        new.sort(key=lambda p: -(current[p][1][0] or 0.0) if current[p][1] else 0.0)
        for path in new:
            if path in self._slots or len(self._slots) < self._max_series:
                self._slots.add(path)
                self._series_of[path] = path
            else:
                self._series_of[path] = OTHER

    def _series(self, current: dict[str, Values]) -> tuple[CgroupUsage, ...]:
        memory: dict[str, int | None] = {}
        counters: dict[str, list[float | None]] = {}
        members: dict[str, int] = {}
        for path, (mem, values) in current.items():
            series = self._series_of[path]
            sums = counters.get(series)
            if sums is None:
                counters[series] = list(values) if values else [None] * len(COUNTERS)
                memory[series] = mem
                members[series] = 1
                continue
            for j, v in enumerate(values):
                sums[j] = _add(sums[j], v)
            m = memory[series]
            memory[series] = mem if m is None else (m if mem is None else m + mem)
            members[series] += 1
        out = []
        for series in sorted(set(counters) | set(self._base)):
            sums = counters.get(series) or [None] * len(COUNTERS)
            base = self._base.get(series) or [None] * len(COUNTERS)
            high = self._high.setdefault(series, [None] * len(COUNTERS))
            totals: list[float | None] = []
            for j in range(len(COUNTERS)):
                total = _add(base[j], sums[j])
                # Never below what was exported: a cgroup's counter read a moment before it
                # was removed, or float sums in another order, must not look like a reset.
                if total is not None and high[j] is not None:
                    total = max(total, high[j])  # type: ignore[type-var]
                high[j] = total
                totals.append(total)
            rest = dict(zip(COUNTERS[1:], totals[1:], strict=True))
            out.append(
                CgroupUsage(series, totals[0] or 0.0, memory.get(series), cgroups=members.get(series, 0), **rest)
            )
        return tuple(out)

    def close(self) -> None:
        with self._lock:
            for w in self._watches.values():
                w.close()
            self._watches.clear()
            self._tree.close()


def make(ctx: CollectorContext) -> Callable[[], tuple[CgroupUsage, ...]]:
    tree = shared_tree(ctx)
    if tree is None:
        # The file a cgroup v2 root always has: the registry reports the collector as not
        # available here and calls it again only once the file exists.
        where = ctx.paths.sys("fs", "cgroup", "cgroup.controllers")

        def unavailable() -> tuple[CgroupUsage, ...]:
            raise FileNotFoundError(2, "no cgroup v2 hierarchy in mountinfo", where)

        return unavailable
    settings = ctx.config.cgroups
    return CgroupUsageCollector(tree, settings.max_series, settings.max_depth)
