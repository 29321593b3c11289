"""Sampler: single-flight collections, max_age, stale-while-revalidate, listeners."""

from __future__ import annotations

import dataclasses
import threading

from exporter.sampling.sampler import Sampler, Ticker
from tests.support.servers import wait_until
from tests.support.snapshots import snapshot


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counting_collect():
    calls = []

    def collect():
        calls.append(1)
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
    reading = s.latest()
    assert reading.prev is not None and (reading.prev.seq, reading.cur.seq) == (1, 2)


class WatchedClock(Clock):
    """A clock that counts its readers: latest() reads it once before it waits for the
    collection in flight, so the count tells when every caller is queued behind it."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.changed = threading.Condition()

    def __call__(self) -> float:
        with self.changed:
            self.reads += 1
            self.changed.notify_all()
        return self.now


def test_concurrent_callers_share_one_collection() -> None:
    callers = 20
    clock = WatchedClock()
    calls = []

    def collect():
        calls.append(1)
        if len(calls) == 2:  # hold the collection until every caller has come and is waiting for it
            with clock.changed:
                assert clock.changed.wait_for(lambda: clock.reads >= queued, timeout=10), clock.reads
        return snapshot(len(calls))

    s = Sampler(collect, max_age=1.0, monotonic=clock)
    s.latest()
    clock.now = 5.0  # the reading is stale: the next callers need a new one
    queued = clock.reads + callers + 1  # each caller's age check, and the collector's re-check under the lock
    results = []
    threads = [threading.Thread(target=lambda: results.append(s.latest().seq)) for _ in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert len(calls) == 2 and results == [2] * callers


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


def test_subscribers_see_each_new_reading_once_and_failures_do_not_break_reads() -> None:
    clock = Clock()
    collect, _ = counting_collect()
    s = Sampler(collect, max_age=1.0, monotonic=clock)
    seen = []
    s.subscribe(lambda r: seen.append((r.prev.seq if r.prev else None, r.cur.seq)))

    def broken(_reading: object) -> None:
        raise RuntimeError("a broken subscriber")

    s.subscribe(broken)
    s.latest()
    s.latest()
    clock.now = 2
    s.latest()
    assert seen == [(None, 1), (1, 2)]


def test_a_reading_is_published_only_after_every_subscriber_has_seen_it() -> None:
    """Whoever gets a Reading from latest() can rely on the subscribers' state including it."""
    s = Sampler(counting_collect()[0], max_age=-1)
    seen: list[int] = []
    s.subscribe(lambda r: seen.append(r.seq))
    for _ in range(3):
        assert s.latest().seq == seen[-1]


def test_a_reading_carries_rates_and_top_processes_computed_once() -> None:
    from tests.support.snapshots import proc

    snaps = [snapshot(1, t=0, processes=(proc(1, "a", 1.0), proc(2, "b", 5.0, rss=9 << 20))),
             snapshot(2, t=2, processes=(proc(1, "a", 2.0), proc(2, "b", 5.0, rss=9 << 20)))]
    s = Sampler(lambda: snaps.pop(0), max_age=-1, top_size=1)
    s.latest()
    r = s.latest()
    assert r.rates.process_cpu == {1: 50.0, 2: 0.0}
    assert [p.pid for p in r.top_cpu] == [1] and [p.pid for p in r.top_memory] == [2]


def test_a_stale_snapshot_comes_with_its_own_predecessor() -> None:
    """Served stale while a refresh runs, a snapshot still has the one before it (rates need both)."""
    import threading as th

    clock = Clock()
    gate = th.Event()
    calls = []

    def collect():
        calls.append(1)
        if len(calls) == 3:
            gate.wait(5)  # the background refresh is slow
        return snapshot(len(calls))

    s = Sampler(collect, max_age=1.0, monotonic=clock)
    s.latest()
    clock.now = 2.0
    s.latest()
    clock.now = 4.0
    r = s.latest(stale_ok=5.0)  # starts the slow refresh, returns at once
    assert (r.prev.seq if r.prev else None, r.cur.seq) == (1, 2)
    r = s.latest(stale_ok=5.0)  # while the refresh is still collecting
    assert (r.prev.seq if r.prev else None, r.cur.seq) == (1, 2)
    gate.set()
    wait_until(lambda: s.latest(stale_ok=5.0).seq == 3, 5, what="refresh")
    assert s.latest(stale_ok=5.0).prev.seq == 2  # type: ignore[union-attr]


def test_a_partial_reading_serves_only_those_who_take_one() -> None:
    """The page and the ticker take a partial Reading (and collect one); /metrics gets a full
    one, collected when the latest is partial, however fresh."""
    clock = Clock()
    kinds: list[str] = []

    def collect(partial: bool):
        kinds.append("partial" if partial else "full")
        return dataclasses.replace(snapshot(len(kinds)), partial=partial)

    s = Sampler(lambda: collect(False), max_age=1.0, monotonic=clock, collect_partial=lambda: collect(True))
    assert s.latest(partial_ok=True).cur.partial and kinds == ["partial"]
    assert s.latest(partial_ok=True).seq == 1  # fresh: no collection
    full = s.latest()
    assert not full.cur.partial and kinds == ["partial", "full"]
    assert full.prev is not None and full.prev.seq == 1  # rates across the two kinds
    assert s.latest(partial_ok=True) is full and s.latest() is full  # a full one does for everyone
    clock.now = 2.0
    assert s.latest(partial_ok=True).cur.partial and kinds[-1] == "partial"
    assert not s.latest().cur.partial and kinds[-1] == "full"


def test_the_ticker_keeps_partial_readings_coming() -> None:
    kinds: list[bool] = []
    done = threading.Event()

    def collect(partial: bool):
        kinds.append(partial)
        done.set()
        return dataclasses.replace(snapshot(len(kinds)), partial=partial)

    s = Sampler(lambda: collect(False), collect_partial=lambda: collect(True))
    ticker = Ticker(s, 60.0)
    ticker.start()
    try:
        assert done.wait(5.0)
    finally:
        ticker.stop()
    assert kinds == [True]
