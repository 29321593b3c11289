"""HistoryStore: the SQLite file behind /history, as one small facade over its parts.

    database.py   the file: path, schema, corruption checks, --reset-history
    writer.py     bounded queue + writer thread (+ the status it reports)
    rollup.py     downsampling and retention, functions of (conn, watermarks, now, retention)
    query.py      resolution choice and range queries on a read-only connection

Failures: a corrupt or unreadable file raises `HistoryError` from `open` (the CLI prints
it; ``--reset-history`` moves the file aside with `reset_history`). Anything that goes
wrong while writing is counted, logged once, and reflected in `up`; the caller never
sees it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from exporter.config import HistoryConfig
from exporter.history import database
from exporter.history.database import DB_FILENAME, SCHEMA_VERSION, database_path, reset_history
from exporter.history.query import HOUR, MINUTE, QueryResult, Reader, Resolution, SeriesData, choose_resolution
from exporter.history.rollup import Retention
from exporter.history.writer import MAX_SERIES, Clock, Status, Writer

__all__ = [
    "DB_FILENAME",
    "HOUR",
    "MAX_SERIES",
    "MINUTE",
    "SCHEMA_VERSION",
    "HistoryStore",
    "QueryResult",
    "Resolution",
    "SeriesData",
    "choose_resolution",
    "database_path",
    "reset_history",
]


class HistoryStore:
    """The history database: one writer thread, readers on their own connection.

    Life cycle: ``store = HistoryStore(path, cfg); store.open(); store.start()`` ...
    ``store.close()``. `open` raises `HistoryError` for a corrupt or unreadable file;
    when the file cannot be created or written (read-only or missing data directory,
    full disk) it does not raise: the store runs degraded (`up` is False, errors are
    counted) and the writer retries every `maintenance_interval`.

    Without `start` the store is synchronous: `flush` writes what was submitted and runs
    the roll-up when it is due, on the caller's thread (tests, tools, benchmarks).
    `connect` replaces how the writer opens its connection (tests simulate a full disk).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        config: HistoryConfig | None = None,
        *,
        clock: Clock = time.time,
        queue_size: int = 1000,
        maintenance_interval: float = 300.0,
        wake_interval: float = 1.0,
        connect: Callable[[Path], sqlite3.Connection] = database.connect,
    ) -> None:
        self.path = Path(path)
        self.config = config or HistoryConfig()
        self._clock = clock
        self._status = Status()
        self._writer = Writer(
            self.path,
            lambda: connect(self.path),
            Retention.of(self.config),
            self._status,
            clock=clock,
            queue_size=queue_size,
            maintenance_interval=maintenance_interval,
            wake_interval=wake_interval,
        )
        self._reader = Reader(self.path, self.config, lambda: self._status.last_error)

    # --- life cycle -------------------------------------------------------------------

    def open(self) -> None:
        """Open (creating if needed) and check the database. See the class docstring for errors."""
        self._writer.open()

    def start(self) -> None:
        """Start the writer thread (after `open`)."""
        self._writer.start()

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, stop the writer thread, close the connections."""
        self._writer.close(timeout)
        self._reader.close()

    def __enter__(self) -> HistoryStore:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------

    def submit(self, timestamp: float, values: dict[str, float]) -> None:
        """Queue one sample for the writer thread. Never blocks, never raises for I/O."""
        self._writer.submit(timestamp, values)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far has been written (or failed). For tests and shutdown."""
        return self._writer.flush(timeout)

    def maintain(self, now: float | None = None) -> bool:
        """Roll up and apply retention now, on a synchronous store (the writer thread does it on its own)."""
        if self._writer.running:
            raise RuntimeError("maintain() is for a store without a writer thread; the thread maintains itself")
        return self._writer.maintain(now)

    # --- reading ----------------------------------------------------------------------

    def known_series(self) -> set[str]:
        """Names /history accepts: what has been recorded, plus the fixed series of every host."""
        return self._reader.known_series()

    def list_series(self) -> list[dict[str, object]]:
        """Every series with unit, description and first/last timestamp (null when nothing is stored)."""
        return self._reader.list_series()

    def query(self, names: Iterable[str], start: float, end: float, points: int = 300) -> QueryResult:
        """At most `points` buckets per series over [start, end] (see `Reader.query`)."""
        return self._reader.query(names, start, end, points, self._clock())

    # --- status -----------------------------------------------------------------------

    def now(self) -> float:
        """The store's clock (injectable for tests): what relative times in queries count from."""
        return self._clock()

    @property
    def up(self) -> bool:
        return self._status.up

    @property
    def write_errors(self) -> int:
        return self._status.write_errors

    @property
    def dropped_samples(self) -> int:
        return self._status.dropped_samples

    @property
    def samples_written(self) -> int:
        return self._status.samples_written

    @property
    def last_write(self) -> float | None:
        return self._status.last_write

    @property
    def last_error(self) -> str:
        return self._status.last_error

    def size_bytes(self) -> int:
        """The database file plus its write-ahead log, in bytes (0 when absent)."""
        total = 0
        for p in (self.path, self.path.with_name(self.path.name + "-wal")):
            try:
                total += p.stat().st_size
            except OSError:
                pass
        return total
