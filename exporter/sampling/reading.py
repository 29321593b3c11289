"""Reading: one collection together with its predecessor and everything derived from the pair.

The Sampler makes exactly one Reading per collection and hands the same frozen
value to every subscriber (the /metrics cache, alerts, process groups, history)
and to /data. Rates and the top-N lists are computed here, once, so no consumer
recomputes them and nothing downstream ever writes into a Snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

from exporter.sampling.rates import Rates, compute_rates, top_by_cpu, top_by_memory
from exporter.sampling.snapshot import Process, Snapshot


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

    @property
    def seq(self) -> int:
        return self.cur.seq

    @property
    def timestamp(self) -> float:
        return self.cur.timestamp


def make_reading(prev: Snapshot | None, cur: Snapshot, top_size: int = 0) -> Reading:
    """The Reading of `cur` after `prev`: rates between them and the top `top_size` processes."""
    rates = compute_rates(prev, cur)
    if cur.processes is None or top_size <= 0:
        return Reading(prev, cur, rates)
    return Reading(
        prev,
        cur,
        rates,
        tuple(top_by_cpu(cur.processes, rates, top_size)),
        tuple(top_by_memory(cur.processes, top_size)),
    )
