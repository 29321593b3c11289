"""Per-process-name groups with bounded cardinality and honest counters.

A group's CPU counter must never go down when one of its processes exits
(Prometheus would read that as a reset), so the seconds of exited processes
are kept in the group's base. Group slots are sticky: once a name has one it
keeps it; when `max_groups` is reached new names fall into `other`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from exporter.host.snapshot import Process

OTHER = "other"


@dataclass(frozen=True)
class GroupStats:
    name: str
    processes: int
    threads: int
    rss_bytes: int
    cpu_seconds_total: float


class ProcessGroups:
    def __init__(self, max_groups: int) -> None:
        self._max = max_groups
        self._groups: set[str] = set()
        self._base: dict[str, float] = {}
        self._last: dict[tuple[int, int], tuple[str, float]] = {}
        self._stats: tuple[GroupStats, ...] = ()
        self._seq = -1
        self._lock = threading.Lock()

    def _group_of(self, name: str) -> str:
        if name in self._groups:
            return name
        if len(self._groups) < self._max - 1:  # one slot stays for "other"
            self._groups.add(name)
            return name
        return OTHER

    def update(self, seq: int, processes: tuple[Process, ...]) -> tuple[GroupStats, ...]:
        with self._lock:
            if seq == self._seq:
                return self._stats
            if not self._groups:
                # First sight: give slots to the heaviest names first.
                weight: dict[str, float] = {}
                for p in processes:
                    weight[p.name] = weight.get(p.name, 0.0) + p.cpu_seconds + p.rss_bytes / 1e9
                for name in sorted(weight, key=lambda n: -weight[n]):
                    self._group_of(name)
            current: dict[tuple[int, int], tuple[str, float]] = {}
            agg: dict[str, list[float]] = {}
            memo: dict[str, str] = {}
            for pid, name, _u, _c, _s, cpu, rss, threads, start in processes:
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
            names = set(agg) | set(self._base)
            self._stats = tuple(
                GroupStats(
                    name,
                    int(agg.get(name, [0])[0]),
                    int(agg[name][1]) if name in agg else 0,
                    int(agg[name][2]) if name in agg else 0,
                    self._base.get(name, 0.0) + (agg[name][3] if name in agg else 0.0),
                )
                for name in sorted(names)
            )
            self._seq = seq
            return self._stats
