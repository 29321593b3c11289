"""Reading: one collection together with its predecessor and everything derived from the pair.

The Sampler makes exactly one Reading per collection and hands the same frozen
value to every subscriber (the /metrics cache, alerts, process groups, history)
and to /data. Rates and the top-N lists are computed here, once, so no consumer
recomputes them and nothing downstream ever writes into a Snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

from exporter.sampling.rates import (
    ProcessDiff,
    Rates,
    by_lifetime_cpu,
    by_memory,
    compute_rates,
    diff_processes,
    top_by_cpu,
    top_by_memory,
)
from exporter.sampling.snapshot import Process, Snapshot
from exporter.sampling.tops import TopN


@dataclass(frozen=True)
class Reading:
    """The latest snapshot `cur`, the one collected before it, and their derived data.

    `top_cpu` and `top_memory` hold the `top_size` heaviest processes (the larger of
    the /metrics top-N and the page's table size); consumers take the first n."""

    prev: Snapshot | None
    cur: Snapshot
    rates: Rates
    top_cpu: tuple[Process, ...] = ()
    top_memory: tuple[Process, ...] = ()
    diff: ProcessDiff | None = None  # cur's processes against prev's, when both have them

    @property
    def seq(self) -> int:
        return self.cur.seq

    @property
    def timestamp(self) -> float:
        return self.cur.timestamp


class Tops:
    """What a Sampler keeps between Readings to rank its processes incrementally."""

    def __init__(self, top_size: int) -> None:
        self.size = top_size
        self.lifetime = TopN(by_lifetime_cpu, 2 * top_size)  # top_by_cpu's fill-in for idle hosts
        self.memory = TopN(by_memory, top_size)


def make_reading(prev: Snapshot | None, cur: Snapshot, top_size: int = 0, tops: Tops | None = None) -> Reading:
    """The Reading of `cur` after `prev`: rates between them and the top `top_size` processes
    (`tops`, if given, is the caller's state for ranking them incrementally: its size wins)."""
    procs, before = cur.processes, prev.processes if prev is not None else None
    diff = diff_processes(before, procs) if before is not None and procs is not None else None
    rates = compute_rates(prev, cur, diff)
    if tops is not None:
        top_size = tops.size
    if procs is None or top_size <= 0:
        return Reading(prev, cur, rates, diff=diff)
    if tops is None:
        return Reading(prev, cur, rates, tuple(top_by_cpu(procs, rates, top_size)),
                       tuple(top_by_memory(procs, top_size)), diff)
    lifetime = tops.lifetime.rank(before, procs, diff)
    return Reading(prev, cur, rates, tuple(top_by_cpu(procs, rates, top_size, lifetime)),
                   tuple(tops.memory.rank(before, procs, diff)), diff)
