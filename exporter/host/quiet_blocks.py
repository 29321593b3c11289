"""The readings of quiet cgroups' processes, kept as one block per cgroup.

The process reader serves every member of a cgroup whose CPU usage did not move with
one list extend, instead of a loop over its processes. A block is valid while its cgroup
did not move, has the same members (the same set object: exporter/host/cgroup_tree.py
replaces the set whenever the members change) and no member is due for a refresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import filterfalse
from typing import Any

from exporter.host.cgroup_tree import Cgroup, CgroupTree
from exporter.sampling.snapshot import Process


class QuietBlocks:
    def __init__(self) -> None:
        # cgroup → (its members, their readings, the first refresh due among them)
        self._blocks: dict[Cgroup, tuple[set[str], tuple[Process, ...], float]] = {}
        # What was served last time (the readings, their entries): handed out again while
        # the blocks are the same cgroups. Never changed in place once handed out.
        self._served: tuple[list[Process], set[str]] | None = None
        # How many entries the last collection visited one by one, and the served set it had.
        self._visited: tuple[int, set[str] | None] = (0, None)

    def serve(self, now: float) -> tuple[list[Process], set[str]]:
        """The readings of every process of the cgroups whose blocks are still valid, and their entries."""
        blocks = self._blocks
        valid = {cg: b for cg, b in blocks.items()
                 if not cg.moved and b[0] is cg.members and now < b[2] and cg.procs_fd >= 0}
        if len(valid) == len(blocks) and self._served is not None:
            return self._served  # the same cgroups as last time: the same readings and entries
        bulk: list[Process] = []
        served: set[str] = set()
        for b in valid.values():
            bulk.extend(b[1])
            served |= b[0]
        self._blocks = valid
        self._served = (bulk, served)
        return bulk, served

    def to_visit(self, entries: list[str], survivors: bool, served: set[str]) -> Iterable[str]:
        """The pid entries that `served` (from `serve`) leaves to read one by one. `survivors`:
        `entries` is the reader's own list from the last collection (no pid handed out since, so
        /proc was not listed), which leads with the entries visited then (`visited`): with the
        same blocks serving, those are the ones, without a pass over every pid."""
        if not served:
            return entries
        count, served_then = self._visited
        if survivors and served is served_then:
            return entries[:count]
        return filterfalse(served.__contains__, entries)

    def visited(self, count: int, served: set[str]) -> None:
        """After a collection: it visited `count` entries one by one (its list leads with them)."""
        self._visited = (count, served)

    def add(self, tree: CgroupTree, kept: dict[str, list[Any]]) -> None:
        """A block for each cgroup not served from one this time, for the next collection, when
        every member is a kept process labelled with this cgroup (`kept`: the reader's entries,
        [fd, is schedstat, schedstat, reading, refresh due])."""
        blocks = self._blocks
        for cg in tree.cgroups.values():
            if cg in blocks or not cg.members or cg.procs_fd < 0:
                continue
            ks = [kept.get(e) for e in cg.members]
            if any(k is None or k[3][9] != cg.path for k in ks):
                continue
            blocks[cg] = (cg.members, tuple(k[3] for k in ks if k is not None), min(k[4] for k in ks if k is not None))
            self._served = None  # another cgroup to serve next time

    def clear(self) -> None:
        self._blocks.clear()
        self._served = None
