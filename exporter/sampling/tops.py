"""Top-N lists kept from one Reading to the next, so an idle host's thousands of
processes are not ranked again on every collection.

The reader hands back the very object it served before for a process that has not
run since. With a key that is a total order (ties broken by pid), every such process
outside the last top-N ranks below the last top-N's smallest key `m`. So the top-N of
the last members still unchanged plus the changed processes (re-read or new) is the
answer whenever it is N long and its smallest key is at least `m`; otherwise (a member
exited, or its key fell below `m`: resident memory shrinks) every process is ranked
afresh. CPU seconds only grow, so that ranking rarely needs the fallback.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from itertools import chain
from typing import Any

from exporter.sampling.rates import ProcessDiff
from exporter.sampling.snapshot import Process


class TopN:
    """The `n` largest processes by `key`, which must be a total order."""

    def __init__(self, key: Callable[[Process], Any], n: int) -> None:
        self._key = key
        self._n = n
        self._of: tuple[Process, ...] | None = None  # the processes `_top` was ranked from
        self._top: list[Process] = []
        self.full_rankings = 0  # how often every process was ranked (for tests and benches)

    def rank(self, before: tuple[Process, ...] | None, procs: tuple[Process, ...],
             diff: ProcessDiff | None) -> list[Process]:
        """The top of `procs`; `diff` is diff_processes(before, procs), or None without `before`."""
        top, n, key = self._top, self._n, self._key
        result: list[Process] | None = None
        if diff is not None and before is not None and before is self._of:
            same = diff.unchanged
            result = heapq.nlargest(n, chain([p for p in top if same(p)], diff.changed), key=key)
            if len(top) == n and not (len(result) == n and key(result[-1]) >= key(top[-1])):
                result = None  # an unchanged process outside the last top may rank higher now
        if result is None:
            result = heapq.nlargest(n, procs, key=key)
            self.full_rankings += 1
        self._of, self._top = procs, result
        return result
