"""Top-N lists kept from one Reading to the next, so an idle host's thousands of
processes are not ranked again on every collection.

A TopN keeps a longer list than it answers with (`keep`, twice `n`), ranked exactly, and a
floor: every process outside the list ranks below it (no floor: the list holds every
process). The reader hands back the very object it served before for a process that has
not run, so an unchanged process outside the list still ranks below the floor. The next
list is then the changed processes (re-read or new) and the unchanged members, ranked
with a key that is a total order (ties broken by pid), keeping those at or above the
floor: each of them provably outranks every process left out. Members whose key fell
below the floor (resident memory shrinks) drop out; only when fewer than `n` are left is
every process ranked afresh. CPU seconds only grow, so that ranking rarely needs it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

from exporter.sampling.rates import ProcessDiff
from exporter.sampling.snapshot import Process


class TopN:
    """The `n` largest processes by `key`, which must be a total order."""

    def __init__(self, key: Callable[[Process], Any], n: int, keep: int | None = None) -> None:
        self._key = key
        self._n = n
        self._keep = max(n, keep if keep is not None else 2 * n)
        self._of: tuple[Process, ...] | None = None  # the processes `_top` was ranked from
        self._top: list[Process] = []
        self._floor: Any = None  # every process outside `_top` ranks below this key; None: none is outside
        self.full_rankings = 0  # how often every process was ranked (for tests and benches)

    def rank(self, before: tuple[Process, ...] | None, procs: tuple[Process, ...],
             diff: ProcessDiff | None) -> list[Process]:
        """The top of `procs`; `diff` is diff_processes(before, procs), or None without `before`."""
        key, keep = self._key, self._keep
        if diff is not None and before is not None and before is self._of:
            same = diff.unchanged
            candidates = [p for p in self._top if same(p)]
            candidates += diff.changed
            # Mostly the kept list again, in order, plus the few that changed: a sort (in C, and
            # quick on presorted runs) beats nlargest's heap in Python; same result for a total order.
            top = sorted(candidates, key=key, reverse=True)[:keep]
            floor = self._floor
            if floor is not None:
                top = [p for p in top if key(p) >= floor]  # those that outrank every process left out
            if len(candidates) > keep:
                floor = key(top[-1]) if top else floor  # the ones cut off rank below the last kept
            if len(top) >= self._n or floor is None:
                self._of, self._top, self._floor = procs, top, floor
                return top[: self._n]
        top = heapq.nlargest(keep, procs, key=key)
        self.full_rankings += 1
        self._of, self._top = procs, top
        self._floor = key(top[-1]) if len(procs) > len(top) else None
        return top[: self._n]
