"""Incremental top-N: always the plain ranking's answer, and no full ranking while only
processes outside the top run."""

from __future__ import annotations

import heapq
import random

from exporter.sampling.rates import ProcessDiff, by_lifetime_cpu, by_memory, diff_processes
from exporter.sampling.reading import Tops, make_reading
from exporter.sampling.snapshot import Process
from exporter.sampling.tops import TopN
from tests.support.snapshots import proc, snapshot


def step(rng: random.Random, before: tuple[Process, ...], churn: float) -> tuple[Process, ...]:
    """What the reader hands back next: the same objects for processes that did not run."""
    out = []
    for p in before:
        roll = rng.random()
        if roll < churn * 0.1:
            continue  # exited
        if roll < churn:  # ran: CPU seconds grow, resident memory goes either way
            p = proc(p.pid, p.name, p.cpu_seconds + rng.choice((0.0, 0.5, 3.0)),
                     rss=max(0, p.rss_bytes + rng.choice((-4096, 0, 4096, 1 << 20))), start=p.start_time)
        out.append(p)
    next_pid = max((p.pid for p in before), default=0) + 1
    out += [proc(next_pid + i, "new", rng.choice((0.0, 1.0, 50.0)), rss=rng.randrange(0, 1 << 22))
            for i in range(rng.randrange(3))]
    return tuple(out)


def test_the_incremental_ranking_is_the_full_one() -> None:
    rng = random.Random(3)
    for churn, size, keep in [(c, size, keep) for c in (0.0, 0.05, 0.5, 1.0) for size in (8, 15, 300)
                              for keep in (10, 20)]:
        procs = tuple(proc(pid, "p", rng.choice((0.0, 1.0, rng.uniform(0, 100))),
                           rss=rng.choice((0, 4096, rng.randrange(1 << 24)))) for pid in range(1, size))
        tops = {key: TopN(key, 10, keep) for key in (by_memory, by_lifetime_cpu)}
        before = None
        for _ in range(60):
            diff: ProcessDiff | None = diff_processes(before, procs) if before is not None else None
            for key, top in tops.items():
                assert top.rank(before, procs, diff) == heapq.nlargest(10, procs, key=key)
            before, procs = procs, step(rng, procs, churn)


def test_an_idle_host_is_not_ranked_again() -> None:
    rng = random.Random(5)
    procs = tuple(proc(pid, "p", rng.uniform(0, 100), rss=rng.randrange(1 << 24)) for pid in range(1, 2000))
    tops = Tops(5)
    prev = None
    for seq in range(1, 30):
        cur = snapshot(seq, t=1000 + seq, processes=procs)
        reading = make_reading(prev, cur, tops=tops)
        assert reading.top_memory == tuple(heapq.nlargest(5, procs, key=by_memory))
        prev, procs = cur, step(rng, procs, churn=0.002)  # a few of the small ones run
    assert tops.memory.full_rankings < 5 and tops.lifetime.full_rankings < 5
