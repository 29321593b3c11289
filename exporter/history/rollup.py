"""Downsampling and retention: plain functions of (connection, watermarks, now, retention).

Every maintenance pass folds complete minutes of ``raw`` into ``minute``, complete hours of
``minute`` into ``hour``, then deletes what is past retention, in one transaction.
`Watermarks` record how far folding has gone; a late sample older than a watermark moves it
back (`rewind`), and the bucket is recomputed from the finer table (INSERT OR REPLACE), so
folding is idempotent. Nothing here owns a thread or a status: callers (the writer) decide
when to run it and what a failure means, which is why these are unit-testable on any
connection that has the schema (exporter.history.database).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace

from exporter.config import HistoryConfig
from exporter.history.database import rollback


@dataclass(frozen=True)
class Retention:
    """Seconds each table keeps, each coarser level at least as long as the finer one."""

    raw: float
    minute: float
    hour: float

    @classmethod
    def of(cls, cfg: HistoryConfig) -> Retention:
        raw = max(float(cfg.raw_retention), 120.0)
        minute = max(float(cfg.minute_retention), raw)
        return cls(raw, minute, max(float(cfg.hour_retention), minute))


@dataclass(frozen=True)
class Watermarks:
    """How far folding has gone (bucket starts, Unix seconds), and below what raw rows are gone.

    `minute_done`/`hour_done` are stored in ``meta``; `raw_floor` (raw rows older than it
    have been deleted, so a sample older than it is dropped rather than folded into a
    half-empty minute) is only known to the process that ran the retention.
    """

    minute_done: int = 0
    hour_done: int = 0
    raw_floor: int = 0


def load_watermarks(conn: sqlite3.Connection) -> Watermarks:
    meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('minute_done', 'hour_done')").fetchall())
    return Watermarks(int(meta.get("minute_done", 0)), int(meta.get("hour_done", 0)))


def save_watermarks(conn: sqlite3.Connection, marks: Watermarks) -> None:
    """Store the folding watermarks (inside the caller's transaction)."""
    conn.executemany(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        (("minute_done", str(marks.minute_done)), ("hour_done", str(marks.hour_done))),
    )


def sample_floor(marks: Watermarks, now: float, retention: Retention) -> int:
    """Samples older than this are dropped on write: their minute's raw rows may already be deleted."""
    return max(marks.raw_floor, int(now - retention.raw) // 60 * 60 + 60)


def rewind(marks: Watermarks, oldest: int) -> Watermarks:
    """The watermarks after writing a sample at `oldest`: its minute and hour are folded again."""
    if oldest >= marks.minute_done:
        return marks
    minute_done = min(marks.minute_done, oldest // 60 * 60)
    return replace(marks, minute_done=minute_done, hour_done=min(marks.hour_done, oldest // 3600 * 3600))


def maintain(
    conn: sqlite3.Connection, sids: Sequence[int], marks: Watermarks, now: float, retention: Retention
) -> Watermarks:
    """Fold raw → minute → hour up to complete buckets, then apply retention; one transaction.

    Returns the new watermarks. On an SQLite or OS error the transaction is rolled back
    and the error raised; the old watermarks still hold.
    """
    minute_cut = int(now) // 60 * 60
    minute_done = max(marks.minute_done, 0)
    hour_done = marks.hour_done
    try:
        conn.execute("BEGIN IMMEDIATE")
        if minute_cut > minute_done:
            conn.executemany(
                "INSERT OR REPLACE INTO minute SELECT series_id, ts / 60 * 60, avg(value), min(value), max(value),"
                " count(*) FROM raw WHERE series_id = ? AND ts >= ? AND ts < ? GROUP BY ts / 60",
                ((sid, minute_done, minute_cut) for sid in sids),
            )
            minute_done = minute_cut
        hour_cut = minute_done // 3600 * 3600
        if hour_cut > hour_done:
            conn.executemany(
                "INSERT OR REPLACE INTO hour SELECT series_id, ts / 3600 * 3600, sum(avg * n) / sum(n), min(min),"
                " max(max), sum(n) FROM minute WHERE series_id = ? AND ts >= ? AND ts < ? GROUP BY ts / 3600",
                ((sid, hour_done, hour_cut) for sid in sids),
            )
            hour_done = hour_cut
        done = Watermarks(minute_done, hour_done, marks.raw_floor)
        save_watermarks(conn, done)
        # Retention: whole buckets only, and never what has not been folded yet.
        raw_cut = min(int(now - retention.raw) // 60 * 60, minute_done)
        minute_cut_del = min(int(now - retention.minute) // 3600 * 3600, hour_done)
        hour_cut_del = int(now - retention.hour) // 3600 * 3600
        for table, cut in (("raw", raw_cut), ("minute", minute_cut_del), ("hour", hour_cut_del)):
            if cut > 0:
                conn.executemany(f"DELETE FROM {table} WHERE series_id = ? AND ts < ?", ((sid, cut) for sid in sids))
        conn.execute("COMMIT")
    except (sqlite3.Error, OSError):
        rollback(conn)
        raise
    reclaim(conn)
    return replace(done, raw_floor=max(marks.raw_floor, raw_cut))


def reclaim(conn: sqlite3.Connection) -> None:
    """Give free pages back to the file system when more than a quarter of the file is free."""
    try:
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        total = conn.execute("PRAGMA page_count").fetchone()[0]
        if total and free > max(256, total // 4):
            conn.execute(f"PRAGMA incremental_vacuum({int(free)})").fetchall()
    except sqlite3.Error:
        pass
