"""Process groups (by name, or by cgroup) with bounded cardinality and honest counters.

A group's CPU counter must never go down when one of its processes exits
(Prometheus would read that as a reset), so the seconds of exited processes
are kept in the group's base. Group slots are sticky: once a name has one it
keeps it; when `max_groups` is reached new names fall into `other`.

`key="cgroup"` groups by the process's cgroup v2 path instead of its name
(process-exporter's {{.Cgroups}}): one group per systemd service or container.

ProcessGroups subscribes to the Sampler, so it sees every Reading: a process that
exits between two scrapes still adds all the seconds it used to its group.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

from exporter.sampling.rates import ProcessDiff, compare_processes
from exporter.sampling.reading import Reading
from exporter.sampling.snapshot import Process

OTHER = "other"


class GroupStats(NamedTuple):
    """One group's figures (a NamedTuple: forty are built per Reading on a busy host)."""

    name: str
    processes: int
    threads: int
    rss_bytes: int
    cpu_seconds_total: float


_KEY_FIELDS = {"name": 1, "cgroup": 9}  # the Process field that names a group


class ProcessGroups:
    RECOUNT_EVERY = 360  # updates between full recounts (an hour at one per 10 s)

    def __init__(self, max_groups: int, key: str = "name") -> None:
        self._max = max_groups
        self._key = _KEY_FIELDS[key]
        self._groups: set[str] = set()
        self._base: dict[str, float] = {}
        self._last: dict[tuple[int, int], tuple[str, float]] = {}
        self._stats: tuple[GroupStats, ...] = ()
        self._procs: tuple[Process, ...] | None = None
        self._agg: dict[str, list[float]] = {}  # group → [processes, threads, rss, cpu seconds] of live ones
        self._high: dict[str, float] = {}  # the highest CPU total exported per group
        self._seq = -1
        self._updates = 0
        self._by_name: dict[str, GroupStats] = {}  # the figures last handed out, by group
        self._names: list[str] = []  # the groups in the order they are handed out
        self._touched: set[str] | None = None  # groups whose sums moved since; None: all of them
        self.recounts = 0  # full regroupings of every process (for tests and benches)
        self._lock = threading.Lock()

    def on_reading(self, reading: Reading) -> None:
        """Advance the groups with a new Reading (a Sampler subscriber)."""
        if reading.cur.processes is not None:
            prev = reading.prev.processes if reading.prev is not None else None
            self.update(reading.seq, reading.cur.processes, reading.diff, prev)

    @property
    def latest(self) -> tuple[GroupStats, ...]:
        """The groups as they stood after the last Reading."""
        return self._stats

    def _group_of(self, name: str) -> str:
        if name in self._groups:
            return name
        if len(self._groups) < self._max - 1:  # one slot stays for "other"
            self._groups.add(name)
            return name
        return OTHER

    def update(self, seq: int, processes: tuple[Process, ...], diff: ProcessDiff | None = None,
               diff_base: tuple[Process, ...] | None = None) -> tuple[GroupStats, ...]:
        """Advance to `processes`; `diff` (of `diff_base` to `processes`) is used when the
        groups last saw exactly `diff_base`: then only the processes that changed cost anything."""
        with self._lock:
            if seq == self._seq:
                return self._stats
            self._updates += 1
            if diff is None or diff_base is None or diff_base is not self._procs:
                diff = self._compare(processes)
            # A full recount now and then resets the float drift of the incremental sums.
            if self._updates % self.RECOUNT_EVERY == 0 or diff is None or not self._apply(diff):
                self._recount(processes)
            self._procs = processes
            self._stats = self._restate()
            self._seq = seq
            return self._stats

    def _restate(self) -> tuple[GroupStats, ...]:
        """The groups' figures, rebuilt for the groups whose sums moved (all after a recount)."""
        touched, self._touched = self._touched, set()
        by_name = self._by_name
        names = self._names
        if touched is None or any(name not in by_name for name in touched):
            touched = set(self._agg) | set(self._base)
            names = self._names = sorted(touched)
        for name in touched:
            count, threads, rss, cpu = self._agg.get(name) or (0, 0, 0, 0.0)
            # Never lower than what was exported: float sums in another order may differ
            # in the last bit, and Prometheus reads any decrease as a counter reset.
            total = max(self._base.get(name, 0.0) + cpu, self._high.get(name, 0.0))
            self._high[name] = total
            by_name[name] = GroupStats(name, int(count), int(threads), int(rss), total)
        return tuple(map(by_name.__getitem__, names)) if touched else self._stats

    def _compare(self, processes: tuple[Process, ...]) -> ProcessDiff | None:
        """The diff from the processes last seen, when no Reading brought one: one pass over
        every process (the reader hands back the very same object for one that has not run).
        None (recount) before the first update or when a pid appears twice."""
        old = self._procs
        if old is None or len({p[0] for p in processes}) != len(processes):
            return None
        return compare_processes(old, processes)

    def _ran(self, key: tuple[int, int], a: Process, b: Process) -> None:
        """Move the sums of a process's group from reading `a` to reading `b`."""
        group = self._last[key][0]
        self._touch(group)
        sums = self._agg[group]
        sums[1] += b[7] - a[7]
        sums[2] += b[6] - a[6]
        sums[3] += b[5] - a[5]
        self._last[key] = (group, b[5])

    def _apply(self, diff: ProcessDiff) -> bool:
        """Update the sums by the Reading's diff: the processes that ran, came and went.
        False (recount) when a process changed its group key (its name or cgroup)."""
        k = self._key
        exited = list(diff.gone.values())
        for a, b in diff.pairs:
            if a is not None:
                if a[8] != b[8]:
                    exited.append(a)  # the pid has a new owner
                elif a[k] != b[k]:
                    return False
        last = self._last
        if any((a[0], a[8]) not in last for a in exited):
            return False  # not the processes these sums were made of
        for a in exited:
            self._exited((a[0], a[8]), a)
        for a, b in diff.pairs:
            if a is None or a[8] != b[8]:
                self._started((b[0], b[8]), b)
            else:
                self._ran((b[0], b[8]), a, b)
        return True

    def _touch(self, group: str) -> None:
        if self._touched is not None:
            self._touched.add(group)

    def _exited(self, key: tuple[int, int], a: Process) -> None:
        """Take an exited process out of its group's sums: its seconds stay in the group's counter."""
        group, cpu = self._last.pop(key)
        self._base[group] = self._base.get(group, 0.0) + cpu
        self._touch(group)
        sums = self._agg[group]
        sums[0] -= 1
        sums[1] -= a[7]
        sums[2] -= a[6]
        sums[3] -= a[5]

    def _started(self, key: tuple[int, int], b: Process) -> None:
        """Add a process seen for the first time to its group's sums."""
        label: str = b[self._key]  # type: ignore[assignment]
        group = self._group_of(label)
        self._touch(group)
        sums = self._agg.get(group)
        if sums is None:
            self._agg[group] = [1, b[7], b[6], b[5]]
        else:
            sums[0] += 1
            sums[1] += b[7]
            sums[2] += b[6]
            sums[3] += b[5]
        self._last[key] = (group, b[5])

    def _recount(self, processes: tuple[Process, ...]) -> None:
        self.recounts += 1
        self._touched = None
        k = self._key
        if not self._groups:
            # First sight: give slots to the heaviest names first.
            weight: dict[str, float] = {}
            for p in processes:
                label: str = p[k]  # type: ignore[assignment]
                weight[label] = weight.get(label, 0.0) + p.cpu_seconds + p.rss_bytes / 1e9
            for label in sorted(weight, key=lambda n: -weight[n]):
                self._group_of(label)
        current: dict[tuple[int, int], tuple[str, float]] = {}
        agg: dict[str, list[float]] = {}
        memo: dict[str, str] = {}
        for p in processes:
            pid, cpu, rss, threads, start = p[0], p[5], p[6], p[7], p[8]
            name: str = p[k]  # type: ignore[assignment]
            group = memo.get(name)
            if group is None:
                group = memo[name] = self._group_of(name)
            current[(pid, start)] = (group, cpu)
            a = agg.get(group)
            if a is None:
                agg[group] = [1, threads, rss, cpu]
            else:
                a[0] += 1
                a[1] += threads
                a[2] += rss
                a[3] += cpu
        for key, (group, cpu) in self._last.items():
            if key not in current:  # exited: its seconds stay in the group's counter
                self._base[group] = self._base.get(group, 0.0) + cpu
        self._last = current
        self._agg = agg
