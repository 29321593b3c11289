"""HistoryStore: writing, downsampling, retention and range queries over simulated time (no sleeping)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from exporter.history.store import HOUR, MINUTE, choose_resolution
from tests.support.history import HOUR0, FakeClock, config, count, make_store, read, rows, simulate, watermarks, write


def test_minute_and_hour_buckets_hold_avg_min_max_and_count(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    # one value per 10 s: 0, 1, 2, ... (minute k holds 6k .. 6k+5)
    simulate(store, clock, 2 * 3600 + 60, values=lambda now: {"x": (now - HOUR0) / 10})
    store.maintain()
    minute = rows(store, "minute", "x")
    first = minute[0]
    assert first[1:] == (HOUR0, 2.5, 0.0, 5.0, 6)
    assert len([r for r in minute if r[1] < HOUR0 + 7200]) == 120
    hour = rows(store, "hour", "x")
    assert [r[1] for r in hour] == [HOUR0, HOUR0 + 3600]
    _sid, ts, avg, lo, hi, n = hour[0]
    assert (avg, lo, hi, n) == (179.5, 0.0, 359.0, 360)  # mean of 0..359, weighted by n
    store.close()


def test_retention_keeps_the_database_bounded_over_simulated_days(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    cfg = config(raw=600, minute=7200, hour=86400)
    store = make_store(tmp_path, clock, cfg)
    sizes = []
    for _day in range(3):
        simulate(store, clock, 86400, step=30, values=lambda now: {"a": 1.0, "b": 2.0})
        store.maintain()
        sizes.append((count(store, "raw"), count(store, "minute"), count(store, "hour")))
    # Steady state: the same number of rows each day, each table within its retention (+ one bucket).
    assert sizes[1] == sizes[2]
    raw, minute, hour = sizes[2]
    assert raw <= 2 * (600 + 300 + 60) / 30  # retention + maintenance interval + one minute, 2 series
    assert minute <= 2 * (7200 + 3600) / 60
    assert hour <= 2 * (86400 + 3600) / 3600
    oldest_hour = read(store.path, "SELECT min(ts) FROM hour")[0][0]
    assert oldest_hour >= clock.now - 86400 - 3600
    store.close()


def test_a_late_sample_recomputes_its_already_folded_buckets(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    simulate(store, clock, 7200, values=lambda now: {"x": 1.0})
    store.maintain()
    assert rows(store, "minute", "x")[0][2:] == (1.0, 1.0, 1.0, 6)
    write(store, HOUR0 + 5, {"x": 100.0})  # 2nd sample slot of the first minute, out of order
    store.maintain()
    assert rows(store, "minute", "x")[0][2:] == (pytest.approx(106 / 7), 1.0, 100.0, 7)
    hour = rows(store, "hour", "x")[0]
    assert hour[4:] == (100.0, 361)
    store.close()


def test_samples_older_than_raw_retention_are_dropped_not_folded(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock, config(raw=600))
    simulate(store, clock, 3600, values=lambda now: {"x": 1.0})
    store.maintain()
    before = rows(store, "minute", "x")
    write(store, HOUR0 + 15, {"x": 1000.0})  # far past raw retention
    store.maintain()
    assert rows(store, "minute", "x") == before
    store.close()


def test_reopening_keeps_data_and_watermarks(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    simulate(store, clock, 7200, values=lambda now: {"x": 2.0})
    store.maintain()
    done = watermarks(store.path)
    assert done.hour_done == HOUR0 + 7200
    store.close()
    again = make_store(tmp_path, clock)
    again.maintain()  # a reopened store folds on from the stored watermarks, not from zero
    assert watermarks(again.path) == done
    assert len(rows(again, "hour", "x")) == 2
    r = again.query(["x"], clock.now - 30 * 86400, clock.now, 300)
    assert r.resolution == "1h" and r.series["x"].avg == [2.0]  # one 3-hour bucket
    again.close()


@pytest.mark.parametrize(
    ("span", "points", "expected", "width"),
    [
        (600, 300, "raw", 10),
        (3000, 300, "raw", 10),  # 300 samples fit 300 points
        (3600, 300, "raw", 20),
        (86400, 300, "1m", 300),
        (7 * 86400, 300, "1m", 2040),
        (30 * 86400, 300, "1h", 10800),
        (365 * 86400, 300, "1h", 108000),
        (30 * 86400, 2000, "1m", 1320),
    ],
)
def test_resolution_is_chosen_from_the_range_and_points(span: int, points: int, expected: str, width: int) -> None:
    now = HOUR0
    res, w = choose_resolution(now - span, now, points, now, config())
    assert (res.name, w) == (expected, width)
    assert w % res.step == 0
    assert math.ceil(span / w) + 1 <= points + 1


def test_resolution_falls_back_when_the_range_starts_before_retention() -> None:
    now = HOUR0
    # a 10-minute window two days ago: raw is gone, 1-minute rows still there
    res, w = choose_resolution(now - 2 * 86400, now - 2 * 86400 + 600, 300, now, config())
    assert (res, w) == (MINUTE, 60)
    res, w = choose_resolution(now - 60 * 86400, now - 60 * 86400 + 600, 300, now, config())
    assert (res, w) == (HOUR, 3600)


def test_query_buckets_server_side_to_at_most_points(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    simulate(store, clock, 3600, values=lambda now: {"x": (now - HOUR0) / 10})
    r = store.query(["x"], clock.now - 3600, clock.now, 100)
    s = r.series["x"]
    assert r.resolution == "raw" and r.step == 40
    assert len(s.t) <= 100 and s.t == sorted(s.t)
    # bucket [HOUR0, HOUR0+40) holds samples 0..3
    assert (s.t[0], s.avg[0], s.min[0], s.max[0]) == (HOUR0, 1.5, 0.0, 3.0)
    # unbucketed when raw fits: every sample as stored
    r = store.query(["x"], clock.now - 600, clock.now, 300)
    assert r.step == 10 and len(r.series["x"].t) == 60
    assert r.series["x"].avg == r.series["x"].min == r.series["x"].max
    store.close()


def test_coarse_queries_include_the_latest_raw_samples(tmp_path: Path) -> None:
    """A 30-day chart reads hour rows, then minute rows and raw rows after the watermarks: nothing lags."""
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    simulate(store, clock, 3 * 3600, values=lambda now: {"x": 1.0})
    simulate(store, clock, 20 * 60, values=lambda now: {"x": 5.0})  # not yet folded into hours
    assert watermarks(store.path).hour_done == HOUR0 + 3 * 3600
    r = store.query(["x"], clock.now - 30 * 86400, clock.now, 300)
    s = r.series["x"]
    assert r.resolution == "1h"
    assert s.max[-1] == 5.0 and s.min[0] == 1.0
    total = sum(1 for _ in s.t)
    assert total <= 300
    store.close()


def test_query_of_a_series_without_rows_is_empty(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    r = store.query(["cpu.percent"], clock.now - 3600, clock.now, 300)
    assert r.series["cpu.percent"].t == [] and r.series["cpu.percent"].unit == "percent"
    store.close()


def test_list_series_gives_unit_description_first_and_last(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    simulate(store, clock, 120, values=lambda now: {"fs./home.percent": 3.0, "cpu.percent": 1.0})
    listed = {s["name"]: s for s in store.list_series()}
    home = listed["fs./home.percent"]
    assert home["unit"] == "percent" and "/home" in str(home["description"])
    assert home["first"] == HOUR0 and home["last"] == HOUR0 + 110
    assert listed["swap.percent"]["first"] is None  # fixed series are listed before any data
    store.close()


def test_writer_thread_batches_and_flushes(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    store.start()
    for i in range(50):
        store.submit(HOUR0 + 10 * i, {"x": float(i)})
    assert store.flush(10)
    assert store.samples_written == 50 and store.up
    assert store.last_write == clock.now
    r = store.query(["x"], HOUR0, HOUR0 + 490, 300)
    assert r.series["x"].avg == [float(i) for i in range(50)]
    store.close()


def test_a_full_queue_drops_the_oldest_and_counts(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock, queue_size=5)  # writer not started: nothing drains
    for i in range(8):
        store.submit(HOUR0 + 10 * i, {"x": float(i)})
    assert store.dropped_samples == 3
    store.flush()
    r = store.query(["x"], HOUR0, HOUR0 + 100, 300)
    assert r.series["x"].avg == [3.0, 4.0, 5.0, 6.0, 7.0]
    store.close()


def test_close_writes_what_is_queued(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    store.start()
    for i in range(20):
        store.submit(HOUR0 + 10 * i, {"x": 1.0})
    store.close()
    again = make_store(tmp_path, clock)
    assert count(again, "raw") == 20
    again.close()


def test_a_bad_sample_is_counted_and_the_writer_keeps_going(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    store.start()
    store.submit(HOUR0, {"x": object()})  # type: ignore[dict-item]
    assert store.flush(10)
    store.submit(HOUR0 + 10, {"x": 1.0})
    assert store.flush(10)
    assert store.write_errors == 1 and store.up and store.samples_written == 1
    store.close()


def test_both_connections_keep_a_small_page_cache(tmp_path: Path) -> None:
    from exporter.history.database import CACHE_KIB, connect, connect_reader

    path = tmp_path / "h.sqlite3"
    writer = connect(path)
    reader = connect_reader(path)
    try:
        for conn in (writer, reader):
            assert conn.execute("PRAGMA cache_size").fetchone()[0] == -CACHE_KIB  # KiB, SQLite's default is -2000
        assert CACHE_KIB <= 512
    finally:
        writer.close()
        reader.close()


def test_the_idle_writer_sleeps_until_the_roll_up_is_due_and_a_sample_wakes_it(tmp_path: Path) -> None:
    """With nothing queued the thread sleeps until the next roll-up (it woke every second
    before); a submitted sample wakes it at once, and is written."""
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock, maintenance_interval=300.0)
    writer = store._writer
    assert writer._idle_wait() == 1.0  # the first roll-up is due now: wake_interval, the floor
    store.maintain()
    assert writer._idle_wait() == 300.0
    clock.now += 120
    assert writer._idle_wait() == 180.0
    clock.now -= 10_000  # a clock stepped back: never longer than one maintenance interval
    assert writer._idle_wait() == 300.0
    store.start()
    try:
        store.submit(clock.now, {"cpu.percent": 5.0})
        assert store.flush(5) and store.samples_written == 1
    finally:
        store.close()
