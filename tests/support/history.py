"""Shared helpers for the history tests: an injectable clock, a synchronous store, and plain reads of its file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from exporter.config import Duration, HistoryConfig
from exporter.history.rollup import Watermarks, load_watermarks
from exporter.history.store import HistoryStore

T0 = 1_700_000_000.0
HOUR0 = T0 // 3600 * 3600  # whole hours make bucket arithmetic in the tests readable


class FakeClock:
    def __init__(self, now: float = HOUR0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def config(raw: float = 86400.0, minute: float = 30 * 86400.0, hour: float = 365 * 86400.0,
           interval: float = 10.0) -> HistoryConfig:
    return HistoryConfig(True, Duration(interval), Duration(raw), Duration(minute), Duration(hour))


def make_store(tmp_path: Path, clock: FakeClock, cfg: HistoryConfig | None = None, **kw: object) -> HistoryStore:
    """An opened, synchronous store (no writer thread: `flush` writes on the caller's thread)."""
    store = HistoryStore(tmp_path / "history.sqlite3", cfg or config(), clock=clock, **kw)  # type: ignore[arg-type]
    store.open()
    return store


def write(store: HistoryStore, timestamp: float, values: dict[str, float]) -> None:
    """One sample written now, as the writer thread would (a synchronous store)."""
    store.submit(timestamp, values)
    store.flush()


def simulate(store: HistoryStore, clock: FakeClock, seconds: float, step: float = 10.0,
             values: object = None) -> None:
    """Write one sample every `step` seconds for `seconds`, maintaining when due as the writer thread would."""
    end = clock.now + seconds
    while clock.now < end:
        vals = values(clock.now) if callable(values) else {"a": 1.0}
        before = store.samples_written
        write(store, clock.now, vals)
        assert store.samples_written == before + 1, store.last_error
        clock.advance(step)


def read(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple]:
    """Rows from the database file on a connection of the test's own (WAL: the store's stay untouched)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def count(store: HistoryStore, table: str) -> int:
    return int(read(store.path, f"SELECT count(*) FROM {table}")[0][0])


def rows(store: HistoryStore, table: str, name: str) -> list[tuple]:
    return read(store.path, f"SELECT t.* FROM {table} t JOIN series s ON s.id = t.series_id WHERE s.name = ?"
                            " ORDER BY ts", (name,))


def watermarks(path: Path) -> Watermarks:
    conn = sqlite3.connect(path)
    try:
        return load_watermarks(conn)
    finally:
        conn.close()
