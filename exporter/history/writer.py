"""The history's write side: a bounded queue, one writer thread, and what failures look like.

`submit` only appends to a bounded in-memory queue (drop-oldest, counted), so the
Sampler's thread never waits for the disk. One writer thread drains everything queued
into one transaction (a batch), then runs the roll-up (exporter.history.rollup) every
`maintenance_interval`. Without a thread (`start` not called: tests, tools) `flush`
does the same work synchronously on the caller's thread.

Anything that goes wrong while writing (disk full, read-only directory, I/O error) is
counted, logged once per outage, and reflected in `Status.up`; the caller never sees it.
"""

from __future__ import annotations

import collections
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from exporter.history import rollup
from exporter.history.database import log, rollback, series_ids
from exporter.history.errors import HistoryError

MAX_SERIES = 500

Clock = Callable[[], float]
Sample = tuple[float, dict[str, float]]


@dataclass
class Status:
    """What /metrics and /history report about the store (plain attribute reads are atomic enough)."""

    up: bool = False
    write_errors: int = 0
    dropped_samples: int = 0
    samples_written: int = 0
    last_write: float | None = None
    last_error: str = ""
    failing: bool = False

    def fail(self, e: BaseException, what: str, path: object) -> None:
        self.write_errors += 1
        self.up = False
        self.last_error = f"{what} {path}: {e}"
        if not self.failing:
            self.failing = True
            log.error(
                "history: %s; live data is unaffected, history recording is paused and retried"
                " (sysmon_history_up=0)",
                self.last_error,
            )
        else:
            log.debug("history: %s", self.last_error)

    def ok(self, path: object) -> None:
        if self.failing:
            self.failing = False
            log.warning("history: writing to %s works again", path)
        self.up = True
        self.last_error = ""


class Writer:
    """Owns the write connection, the series ids and the watermarks (writer thread only, or the caller
    before `start`)."""

    def __init__(
        self,
        path: object,
        connect: Callable[[], sqlite3.Connection],
        retention: rollup.Retention,
        status: Status,
        *,
        clock: Clock,
        queue_size: int,
        maintenance_interval: float,
        wake_interval: float,
    ) -> None:
        self._path = path
        self._connect = connect
        self._retention = retention
        self.status = status
        self._clock = clock
        self._queue_size = queue_size
        self._maintenance_interval = maintenance_interval
        self._wake_interval = wake_interval
        self._cond = threading.Condition()
        self._pending: collections.deque[Sample] = collections.deque()
        self._submitted = 0
        self._done = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self._ids: dict[str, int] = {}
        self._marks = rollup.Watermarks()
        self._next_maintenance = 0.0
        self._next_reconnect = 0.0
        self._series_cap_logged = False

    # --- life cycle -------------------------------------------------------------------

    def open(self) -> None:
        """Connect now; HistoryError propagates, any other failure leaves the store degraded."""
        try:
            self._attach(self._connect())
        except HistoryError:
            raise
        except (sqlite3.Error, OSError) as e:
            self.status.fail(e, "cannot open", self._path)
            return
        self.status.up = True

    def _attach(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._marks = rollup.load_watermarks(conn)
        self._ids = series_ids(conn)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
            self._thread.start()

    def close(self, timeout: float) -> None:
        """Write what is queued, stop the thread, close the connection."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        else:
            self._drain()
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
        self._conn = None

    # --- queue ------------------------------------------------------------------------

    def submit(self, timestamp: float, values: dict[str, float]) -> None:
        if not values:
            return
        with self._cond:
            if len(self._pending) >= self._queue_size:
                self._pending.popleft()
                self.status.dropped_samples += 1
                self._done += 1  # the dropped one will never be written
            self._pending.append((float(timestamp), dict(values)))
            self._submitted += 1
            self._cond.notify_all()

    def flush(self, timeout: float) -> bool:
        if self._thread is None:
            self._drain()
            self._maintain_if_due()
            return True
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self._submitted
            self._cond.notify_all()
            while self._done < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _take(self) -> list[Sample]:
        with self._cond:
            batch = list(self._pending)
            self._pending.clear()
        return batch

    def _finished(self, n: int) -> None:
        with self._cond:
            self._done += n
            self._cond.notify_all()

    def _drain(self) -> None:
        batch = self._take()
        if batch:
            try:
                self._write_batch(batch)
            finally:
                self._finished(len(batch))

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._pending and not self._stopping:
                    self._cond.wait(self._idle_wait())
                stopping = self._stopping
            batch = self._take()
            if batch:
                try:
                    self._write_batch(batch)
                except Exception as e:  # noqa: BLE001 - a bad sample must not end the writer thread
                    self.status.fail(e, "cannot write to", self._path)
                finally:
                    self._finished(len(batch))
            try:
                self._maintain_if_due()
            except Exception as e:  # noqa: BLE001 - the writer thread must survive anything
                self.status.fail(e, "maintenance failed on", self._path)
            if stopping:
                with self._cond:
                    if not self._pending:
                        return

    def _idle_wait(self) -> float:
        """Seconds to sleep with nothing queued: until the roll-up is due (submit, flush and close
        wake the thread sooner), at least `wake_interval`, at most one maintenance interval (a
        clock stepped back). It woke every `wake_interval` before (1 s: 0.07 ms of CPU a second)."""
        due = self._next_maintenance - self._clock()
        return max(self._wake_interval, min(due, self._maintenance_interval))

    # --- writing ----------------------------------------------------------------------

    def _writer(self) -> sqlite3.Connection | None:
        """The connection, reconnecting (at most every maintenance_interval) after an open failure."""
        if self._conn is not None:
            return self._conn
        now = time.monotonic()
        if now < self._next_reconnect:
            return None
        self._next_reconnect = now + self._maintenance_interval
        try:
            self._attach(self._connect())
        except (HistoryError, sqlite3.Error, OSError) as e:
            self.status.fail(e, "cannot open", self._path)
            return None
        return self._conn

    def _write_batch(self, batch: Sequence[Sample]) -> bool:
        """Write samples in one transaction; False when they could not be (counted and logged, never raised)."""
        conn = self._writer()
        if conn is None:
            self.status.write_errors += 1
            return False
        new_ids: dict[str, int] = {}
        marks = self._marks
        try:
            conn.execute("BEGIN IMMEDIATE")
            rows: list[tuple[int, int, float]] = []
            oldest: int | None = None
            floor = rollup.sample_floor(marks, self._clock(), self._retention)
            for ts, values in batch:
                its = int(round(ts))
                if its < floor:
                    continue
                oldest = its if oldest is None else min(oldest, its)
                for name, value in values.items():
                    sid = self._ids.get(name) or new_ids.get(name)
                    if sid is None:
                        if len(self._ids) + len(new_ids) >= MAX_SERIES:
                            if not self._series_cap_logged:
                                self._series_cap_logged = True
                                log.warning("history: %d series recorded, new ones (%r) are not", MAX_SERIES, name)
                            continue
                        cur = conn.execute("INSERT INTO series(name) VALUES (?)", (name,))
                        sid = new_ids[name] = int(cur.lastrowid or 0)
                    rows.append((sid, its, value))
            conn.executemany("INSERT OR REPLACE INTO raw VALUES (?, ?, ?)", rows)
            if oldest is not None:
                marks = rollup.rewind(marks, oldest)
                if marks != self._marks:
                    rollup.save_watermarks(conn, marks)
            conn.execute("COMMIT")
        except (sqlite3.Error, OSError) as e:
            rollback(conn)
            self.status.fail(e, "cannot write to", self._path)
            return False
        self._ids.update(new_ids)
        self._marks = marks
        self.status.samples_written += len(batch)
        self.status.last_write = self._clock()
        self.status.ok(self._path)
        return True

    # --- roll-up ----------------------------------------------------------------------

    def _maintain_if_due(self) -> None:
        now = self._clock()
        if now >= self._next_maintenance and self._conn is not None:
            self.maintain(now)

    def maintain(self, now: float | None = None) -> bool:
        """One roll-up and retention pass now (the writer's own, or a synchronous store's caller)."""
        conn = self._conn
        if conn is None:
            return False
        now = self._clock() if now is None else now
        self._next_maintenance = now + self._maintenance_interval
        try:
            self._marks = rollup.maintain(conn, list(self._ids.values()), self._marks, now, self._retention)
        except (sqlite3.Error, OSError) as e:
            self.status.fail(e, "maintenance failed on", self._path)
            return False
        return True
