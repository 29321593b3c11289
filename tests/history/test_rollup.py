"""Roll-up and retention as plain functions on a connection: no store, no thread, no clock but `now`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from exporter.history import database, rollup
from exporter.history.rollup import Retention, Watermarks
from tests.support.history import HOUR0, config

DEFAULT = Retention.of(config())


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    c = database.connect(tmp_path / "history.sqlite3")
    yield c
    c.close()


def insert(conn: sqlite3.Connection, name: str, samples: dict[int, float]) -> int:
    conn.execute("INSERT OR IGNORE INTO series(name) VALUES (?)", (name,))
    sid = int(conn.execute("SELECT id FROM series WHERE name = ?", (name,)).fetchone()[0])
    conn.executemany("INSERT OR REPLACE INTO raw VALUES (?, ?, ?)", [(sid, ts, v) for ts, v in samples.items()])
    return sid


def table(conn: sqlite3.Connection, name: str) -> list[tuple]:
    return conn.execute(f"SELECT ts, avg, min, max, n FROM {name} ORDER BY ts").fetchall()


def test_buckets_hold_avg_min_max_and_count(conn: sqlite3.Connection) -> None:
    # one value per 10 s: 0, 1, 2, ... over two hours and a minute (minute k holds 6k .. 6k+5)
    sid = insert(conn, "x", {int(HOUR0) + 10 * i: float(i) for i in range(726)})
    marks = rollup.maintain(conn, [sid], Watermarks(), HOUR0 + 7260, DEFAULT)
    assert marks == Watermarks(int(HOUR0) + 7260, int(HOUR0) + 7200, marks.raw_floor)
    minute = table(conn, "minute")
    assert minute[0] == (HOUR0, 2.5, 0.0, 5.0, 6) and len(minute) == 121
    assert table(conn, "hour") == [(HOUR0, 179.5, 0.0, 359.0, 360), (HOUR0 + 3600, 539.5, 360.0, 719.0, 360)]
    assert rollup.load_watermarks(conn) == Watermarks(marks.minute_done, marks.hour_done)


def test_only_complete_buckets_are_folded(conn: sqlite3.Connection) -> None:
    sid = insert(conn, "x", {int(HOUR0) + 10 * i: 1.0 for i in range(9)})  # 0..80 s
    marks = rollup.maintain(conn, [sid], Watermarks(), HOUR0 + 85, DEFAULT)
    assert [r[0] for r in table(conn, "minute")] == [HOUR0]  # the minute still being written waits
    assert (marks.minute_done, marks.hour_done) == (HOUR0 + 60, HOUR0)  # the current hour is not complete
    assert table(conn, "hour") == []


def test_folding_twice_changes_nothing(conn: sqlite3.Connection) -> None:
    sid = insert(conn, "x", {int(HOUR0) + 10 * i: float(i % 7) for i in range(720)})
    marks = rollup.maintain(conn, [sid], Watermarks(), HOUR0 + 7200, DEFAULT)
    before = table(conn, "minute"), table(conn, "hour")
    again = rollup.maintain(conn, [sid], Watermarks(), HOUR0 + 7200, DEFAULT)  # from scratch: idempotent
    assert (table(conn, "minute"), table(conn, "hour")) == before
    assert (again.minute_done, again.hour_done) == (marks.minute_done, marks.hour_done)


def test_a_late_sample_rewinds_and_its_buckets_are_recomputed(conn: sqlite3.Connection) -> None:
    sid = insert(conn, "x", {int(HOUR0) + 10 * i: 1.0 for i in range(720)})
    marks = rollup.maintain(conn, [sid], Watermarks(), HOUR0 + 7200, DEFAULT)
    assert rollup.rewind(marks, int(HOUR0) + 7200) == marks  # not older than the watermark: nothing to redo
    late = rollup.rewind(marks, int(HOUR0) + 5)
    assert (late.minute_done, late.hour_done) == (HOUR0, HOUR0)
    insert(conn, "x", {int(HOUR0) + 5: 100.0})
    rollup.maintain(conn, [sid], late, HOUR0 + 7200, DEFAULT)
    assert table(conn, "minute")[0][1:] == (pytest.approx(106 / 7), 1.0, 100.0, 7)
    assert table(conn, "hour")[0][3:] == (100.0, 361)


def test_retention_deletes_whole_buckets_but_never_unfolded_rows(conn: sqlite3.Connection) -> None:
    retention = Retention.of(config(raw=600, minute=7200, hour=86400))
    sid = insert(conn, "x", {int(HOUR0) + 10 * i: 1.0 for i in range(6 * 360)})  # six hours
    now = HOUR0 + 6 * 3600
    marks = rollup.maintain(conn, [sid], Watermarks(), now, retention)
    raw = conn.execute("SELECT min(ts) FROM raw").fetchone()[0]
    assert raw == (int(now) - 600) // 60 * 60 and marks.raw_floor == raw
    assert conn.execute("SELECT min(ts) FROM minute").fetchone()[0] == (int(now) - 7200) // 3600 * 3600
    assert len(table(conn, "hour")) == 6
    # A day later with nothing folded since: raw is kept until folded, hours age out
    marks = rollup.maintain(conn, [sid], Watermarks(0, 0, marks.raw_floor), now + 90000, retention)
    assert table(conn, "hour") == [] and conn.execute("SELECT count(*) FROM raw").fetchone()[0] == 0


def test_the_sample_floor_follows_raw_retention_and_what_was_deleted() -> None:
    retention = Retention.of(config(raw=600))
    assert rollup.sample_floor(Watermarks(), HOUR0, retention) == int(HOUR0) - 600 + 60
    assert rollup.sample_floor(Watermarks(raw_floor=int(HOUR0)), HOUR0, retention) == HOUR0


def test_retention_is_monotonic_across_levels() -> None:
    assert Retention.of(config(raw=10, minute=5, hour=1)) == Retention(120.0, 120.0, 120.0)
    assert Retention.of(config(raw=86400, minute=7200, hour=3600)) == Retention(86400.0, 86400.0, 86400.0)
