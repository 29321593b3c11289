"""Sampler: single-flight collections, max_age, stale-while-revalidate, listeners."""

from __future__ import annotations

import threading
import time

from exporter.sampling.sampler import Sampler
from tests.support.servers import wait_until
from tests.support.snapshots import snapshot


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counting_collect(delay: float = 0.0):  # type: ignore[no-untyped-def]
    calls = []

    def collect():  # type: ignore[no-untyped-def]
        calls.append(1)
        if delay:
            time.sleep(delay)  # a slow collection, so concurrent callers overlap
        return snapshot(len(calls))

    return collect, calls


def test_reuses_snapshot_within_max_age() -> None:
    clock = Clock()
    collect, calls = counting_collect()
    s = Sampler(collect, max_age=1.0, monotonic=clock)
    assert s.latest().seq == 1
    clock.now = 0.9
    assert s.latest().seq == 1
    clock.now = 1.5
    assert s.latest().seq == 2
    prev, cur = s.pair()
    assert prev is not None and (prev.seq, cur.seq) == (1, 2)


def test_concurrent_callers_share_one_collection() -> None:
    collect, calls = counting_collect(delay=0.2)
    s = Sampler(collect, max_age=10.0)
    results = []
    threads = [threading.Thread(target=lambda: results.append(s.latest().seq)) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and results == [1] * 20


def test_stale_while_revalidate_returns_at_once_and_refreshes() -> None:
    clock = Clock()
    collect, calls = counting_collect()
    s = Sampler(collect, max_age=1.0, monotonic=clock)
    s.latest()
    clock.now = 3.0
    assert s.latest(stale_ok=5.0).seq == 1  # served stale
    wait_until(lambda: len(calls) == 2, 5, what="background refresh")
    assert s.latest(stale_ok=5.0).seq == 2
    clock.now = 20.0
    assert s.latest(stale_ok=5.0).seq == 3  # too old: collected inline


def test_listeners_see_each_new_snapshot_once_and_failures_do_not_break_reads() -> None:
    clock = Clock()
    collect, _ = counting_collect()
    s = Sampler(collect, max_age=1.0, monotonic=clock)
    seen = []
    s.subscribe(lambda prev, cur: seen.append((prev.seq if prev else None, cur.seq)))
    s.subscribe(lambda prev, cur: 1 / 0)
    s.latest()
    s.latest()
    clock.now = 2
    s.latest()
    assert seen == [(None, 1), (1, 2)]


def test_a_stale_snapshot_comes_with_its_own_predecessor() -> None:
    """Served stale while a refresh runs, a snapshot still has the one before it (rates need both)."""
    import threading as th

    clock = Clock()
    gate = th.Event()
    calls = []

    def collect():  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            gate.wait(5)  # the background refresh is slow
        return snapshot(len(calls))

    s = Sampler(collect, max_age=1.0, monotonic=clock)
    s.latest()
    clock.now = 2.0
    s.latest()
    clock.now = 4.0
    prev, cur = s.pair(stale_ok=5.0)  # starts the slow refresh, returns at once
    assert (prev.seq if prev else None, cur.seq) == (1, 2)
    prev, cur = s.pair(stale_ok=5.0)  # while the refresh is still collecting
    assert (prev.seq if prev else None, cur.seq) == (1, 2)
    gate.set()
    wait_until(lambda: s.pair(stale_ok=5.0)[1].seq == 3, 5, what="refresh")
    assert s.pair(stale_ok=5.0)[0].seq == 2  # type: ignore[union-attr]
