"""HistoryStore: the SQLite file behind /history.

Layout (one file, ``<data dir>/history.sqlite3``, WAL mode)::

    series(id, name)                                   one row per recorded series
    raw(series_id, ts, value)                          every sample, kept raw_retention (1 day)
    minute(series_id, ts, avg, min, max, n)            1-minute buckets, kept minute_retention (30 days)
    hour(series_id, ts, avg, min, max, n)              1-hour buckets, kept hour_retention (365 days)
    meta(key, value)                                   schema version and downsampling watermarks

``ts`` is whole Unix seconds (bucket start for minute/hour); ``n`` is the number of raw
samples behind a bucket, so hour averages are weighted correctly.

Writing: `submit` only appends to a bounded in-memory queue (drop-oldest, counted);
one writer thread drains everything queued into one transaction (a batch), and
every `maintenance_interval` it folds complete minutes of raw into `minute`,
complete hours of `minute` into `hour`, then deletes what is past retention.
Watermarks (`minute_done`, `hour_done`) record how far folding has gone; a late
sample older than a watermark moves it back, and the bucket is recomputed from
the finer table (INSERT OR REPLACE), so downsampling is idempotent.

Reading: `query` picks a resolution, then reads the coarse table up to its
watermark and the finer tables after it (so a 30-day chart still shows the last
minutes), bucket-averaging in SQL, weighted by ``n``.

Failures: a corrupt or unreadable file raises `HistoryError` from `open` (the
CLI prints it; ``--reset-history`` moves the file aside with `reset_history`).
Anything that goes wrong while writing (disk full, read-only directory, I/O
error) is counted, logged once, and reflected in `up`; the caller never sees it.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from exporter.config import HistoryConfig
from exporter.history.errors import HistoryError, HistoryUnavailable
from exporter.history.series import FIXED_SERIES, describe

log = logging.getLogger(__name__)

DB_FILENAME = "history.sqlite3"
SCHEMA_VERSION = 1
MAX_SERIES = 500
SQLITE_HEADER = b"SQLite format 3\x00"

Clock = Callable[[], float]
Sample = tuple[float, dict[str, float]]


@dataclass(frozen=True)
class Resolution:
    name: str  # "raw", "1m", "1h": what the API reports
    table: str
    step: int  # seconds between rows


MINUTE = Resolution("1m", "minute", 60)
HOUR = Resolution("1h", "hour", 3600)


@dataclass
class SeriesData:
    unit: str
    t: list[int] = field(default_factory=list)
    avg: list[float] = field(default_factory=list)
    min: list[float] = field(default_factory=list)
    max: list[float] = field(default_factory=list)


@dataclass
class QueryResult:
    resolution: str
    start: float
    end: float
    step: int
    series: dict[str, SeriesData]

    def to_json(self) -> dict[str, object]:
        return {
            "resolution": self.resolution,
            "from": self.start,
            "to": self.end,
            "step": self.step,
            "series": {
                name: {"unit": s.unit, "t": s.t, "avg": s.avg, "min": s.min, "max": s.max}
                for name, s in self.series.items()
            },
        }


def database_path(data_dir: str | os.PathLike[str]) -> Path:
    """The history file inside a data directory (`Config.data_path()`)."""
    return Path(data_dir) / DB_FILENAME


def reset_history(path: str | os.PathLike[str], now: float | None = None) -> list[Path]:
    """Move the database (and its -wal/-shm files) aside to ``<name>.corrupt-<UTC timestamp>``.

    Never deletes anything. Returns the new paths (empty if there was nothing to move).
    The -wal/-shm files keep their suffix after the new name, so the moved copy can
    still be opened with the sqlite3 shell for rescue.
    """
    p = Path(path)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    target = p.with_name(f"{p.name}.corrupt-{stamp}")
    n = 1
    while target.exists() or target.with_name(target.name + "-wal").exists():
        n += 1
        target = p.with_name(f"{p.name}.corrupt-{stamp}.{n}")
    moved: list[Path] = []
    if p.exists() or p.is_symlink():
        os.rename(p, target)
        moved.append(target)
    for suffix in ("-wal", "-shm"):
        side = p.with_name(p.name + suffix)
        if side.exists():
            dest = target.with_name(target.name + suffix)
            os.rename(side, dest)
            moved.append(dest)
    if moved:
        log.warning("history: moved %s aside to %s", p, ", ".join(str(m) for m in moved))
    return moved


def _errname(e: BaseException) -> str:
    return str(getattr(e, "sqlite_errorname", "") or "")


def _is_corruption(e: BaseException) -> bool:
    name = _errname(e)
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return True
    msg = str(e).lower()
    return "not a database" in msg or "malformed" in msg or "corrupt" in msg


def _effective_retention(cfg: HistoryConfig) -> tuple[float, float, float]:
    """Retentions with each coarser level kept at least as long as the finer one."""
    raw = max(float(cfg.raw_retention), 120.0)
    minute = max(float(cfg.minute_retention), raw)
    hour = max(float(cfg.hour_retention), minute)
    return raw, minute, hour


def raw_resolution(cfg: HistoryConfig) -> Resolution:
    return Resolution("raw", "raw", max(1, math.ceil(cfg.sample_interval)))


def choose_resolution(start: float, end: float, points: int, now: float, cfg: HistoryConfig) -> tuple[Resolution, int]:
    """(resolution, bucket width in seconds) for a chart of `points` points over [start, end].

    The finest resolution whose retention still covers `start` is the candidate; a
    coarser one replaces it when its step still fits the bucket width the chart needs
    (so a 24 h chart at 300 points reads 1-minute rows, not 8,640 raw rows per series).
    The bucket width is a whole multiple of the resolution's step.
    """
    raw_ret, minute_ret, _hour_ret = _effective_retention(cfg)
    span = max(end - start, 0.0)
    need = span / max(points - 1, 1)
    chosen: Resolution | None = None
    for res, retention in ((raw_resolution(cfg), raw_ret), (MINUTE, minute_ret), (HOUR, math.inf)):
        if start < now - retention:
            continue  # this table no longer holds the beginning of the range
        if chosen is None or res.step <= need:
            chosen = res
    assert chosen is not None
    if span / chosen.step <= points:
        return chosen, chosen.step  # every row fits: no bucketing beyond the table's own
    return chosen, chosen.step * max(1, math.ceil(need / chosen.step - 1e-9))


class HistoryStore:
    """The history database: one writer thread, readers on their own connection.

    Life cycle: ``store = HistoryStore(path, cfg); store.open(); store.start()`` ...
    ``store.close()``. `open` raises `HistoryError` for a corrupt or unreadable file;
    when the file cannot be created or written (read-only or missing data directory,
    full disk) it does not raise: the store runs degraded (`up` is False, errors are
    counted) and the writer retries every `maintenance_interval`.
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
    ) -> None:
        self.path = Path(path)
        self.config = config or HistoryConfig()
        self._clock = clock
        self._raw_ret, self._minute_ret, self._hour_ret = _effective_retention(self.config)
        self._maintenance_interval = maintenance_interval
        self._wake_interval = wake_interval
        # queue between submit() and the writer thread
        self._cond = threading.Condition()
        self._pending: collections.deque[Sample] = collections.deque()
        self._queue_size = queue_size
        self._submitted = 0
        self._done = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        # writer state (writer thread only, or the caller before start())
        self._wconn: sqlite3.Connection | None = None
        self._ids: dict[str, int] = {}
        self._minute_done = 0
        self._hour_done = 0
        self._raw_floor = 0  # samples older than this are past raw retention: dropped
        self._next_maintenance = 0.0
        self._next_reconnect = 0.0
        self._series_cap_logged = False
        # reader connection
        self._rlock = threading.Lock()
        self._rconn: sqlite3.Connection | None = None
        # status (read by metrics; plain attribute reads are atomic enough)
        self.up = False
        self.write_errors = 0
        self.dropped_samples = 0
        self.samples_written = 0
        self.last_write: float | None = None
        self.last_error = ""
        self._failing = False

    # --- life cycle -------------------------------------------------------------------

    def open(self) -> None:
        """Open (creating if needed) and check the database. See the class docstring for errors."""
        self._check_file()
        try:
            self._wconn = self._connect()
        except HistoryError:
            raise
        except (sqlite3.Error, OSError) as e:
            self._fail(e, "cannot open")
            return
        self.up = True

    def start(self) -> None:
        """Start the writer thread (after `open`)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
            self._thread.start()

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, stop the writer thread, close the connections."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        else:
            self._drain()
        for conn in (self._wconn, self._rconn):
            if conn is not None:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
        self._wconn = self._rconn = None

    def __enter__(self) -> HistoryStore:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_file(self) -> None:
        """A readable SQLite file or none at all; anything else is a HistoryError."""
        p = self.path
        if not p.exists():
            return
        way_out = f"start once with --reset-history to move it aside to {p.name}.corrupt-<timestamp> and begin empty"
        if p.is_dir():
            raise HistoryError(f"history database {p} is a directory, not a file; {way_out}")
        try:
            with open(p, "rb") as f:
                head = f.read(len(SQLITE_HEADER))
        except OSError as e:
            raise HistoryError(
                f"history database {p} cannot be read ({e.strerror or e}); fix its permissions, or {way_out}"
            ) from None
        if head and head != SQLITE_HEADER:
            raise HistoryError(f"history database {p} is not an SQLite database (corrupt?); {way_out}")

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
        try:
            self._setup(conn)
        except BaseException as e:
            conn.close()
            if isinstance(e, sqlite3.DatabaseError) and _is_corruption(e):
                raise HistoryError(
                    f"history database {self.path} is corrupt ({e}); start once with --reset-history to move it"
                    f" aside to {self.path.name}.corrupt-<timestamp> and begin empty"
                ) from None
            raise
        return conn

    def _setup(self, conn: sqlite3.Connection) -> None:
        new = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
        if new:
            conn.execute("PRAGMA auto_vacuum=INCREMENTAL")  # must precede the first table
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot switch to WAL journal mode (got {mode})")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA journal_size_limit=8388608")
        if not new:
            bad = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
            if bad != ["ok"]:
                raise sqlite3.DatabaseError("database disk image is malformed: " + "; ".join(bad))
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                CREATE TABLE IF NOT EXISTS raw (
                    series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
                    PRIMARY KEY (series_id, ts)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS minute (
                    series_id INTEGER NOT NULL, ts INTEGER NOT NULL,
                    avg REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, n INTEGER NOT NULL,
                    PRIMARY KEY (series_id, ts)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS hour (
                    series_id INTEGER NOT NULL, ts INTEGER NOT NULL,
                    avg REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, n INTEGER NOT NULL,
                    PRIMARY KEY (series_id, ts)) WITHOUT ROWID;
                """.split(";"):
                if statement.strip():
                    conn.execute(statement)  # not executescript: it would commit our transaction
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            version = int(meta.get("schema_version", SCHEMA_VERSION))
            if version > SCHEMA_VERSION:
                raise HistoryError(
                    f"history database {self.path} was written by a newer version (schema {version}, this version"
                    f" reads {SCHEMA_VERSION}); upgrade, or start with --reset-history to move it aside"
                )
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._minute_done = int(meta.get("minute_done", 0))
        self._hour_done = int(meta.get("hour_done", 0))
        self._ids = {name: sid for sid, name in conn.execute("SELECT id, name FROM series")}

    # --- status -----------------------------------------------------------------------

    def now(self) -> float:
        """The store's clock (injectable for tests): what relative times in queries count from."""
        return self._clock()

    def size_bytes(self) -> int:
        """The database file plus its write-ahead log, in bytes (0 when absent)."""
        total = 0
        for p in (self.path, self.path.with_name(self.path.name + "-wal")):
            try:
                total += p.stat().st_size
            except OSError:
                pass
        return total

    def _fail(self, e: BaseException, what: str) -> None:
        self.write_errors += 1
        self.up = False
        self.last_error = f"{what} {self.path}: {e}"
        if not self._failing:
            self._failing = True
            log.error(
                "history: %s; live data is unaffected, history recording is paused and retried"
                " (sysmon_history_up=0)",
                self.last_error,
            )
        else:
            log.debug("history: %s", self.last_error)

    def _ok(self) -> None:
        if self._failing:
            self._failing = False
            log.warning("history: writing to %s works again", self.path)
        self.up = True
        self.last_error = ""

    # --- writing ----------------------------------------------------------------------

    def submit(self, timestamp: float, values: dict[str, float]) -> None:
        """Queue one sample for the writer thread. Never blocks, never raises for I/O."""
        if not values:
            return
        with self._cond:
            if len(self._pending) >= self._queue_size:
                self._pending.popleft()
                self.dropped_samples += 1
                self._done += 1  # the dropped one will never be written
            self._pending.append((float(timestamp), dict(values)))
            self._submitted += 1
            self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far has been written (or failed). For tests and shutdown."""
        if self._thread is None:
            self._drain()
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

    def _drain(self) -> None:
        with self._cond:
            batch = list(self._pending)
            self._pending.clear()
        if batch:
            self.write_batch(batch)
            with self._cond:
                self._done += len(batch)
                self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._pending and not self._stopping:
                    self._cond.wait(self._wake_interval)
                batch = list(self._pending)
                self._pending.clear()
                stopping = self._stopping
            if batch:
                try:
                    self.write_batch(batch)
                except Exception as e:  # noqa: BLE001 - a bad sample must not end the writer thread
                    self._fail(e, "cannot write to")
                finally:
                    with self._cond:
                        self._done += len(batch)
                        self._cond.notify_all()
            try:
                self.maybe_maintain()
            except Exception as e:  # noqa: BLE001 - the writer thread must survive anything
                self._fail(e, "maintenance failed on")
            if stopping:
                with self._cond:
                    if not self._pending:
                        return

    def _writer(self) -> sqlite3.Connection | None:
        """The writer connection, reconnecting (at most every maintenance_interval) after an open failure."""
        if self._wconn is not None:
            return self._wconn
        now = time.monotonic()
        if now < self._next_reconnect:
            return None
        self._next_reconnect = now + self._maintenance_interval
        try:
            self._check_file()
            self._wconn = self._connect()
        except (HistoryError, sqlite3.Error, OSError) as e:
            self._fail(e, "cannot open")
            return None
        return self._wconn

    def write_batch(self, batch: Sequence[Sample]) -> bool:
        """Write samples in one transaction (the writer thread's job; call directly only before `start`).

        Returns False when the batch could not be written (counted and logged, never raised).
        """
        conn = self._writer()
        if conn is None:
            self.write_errors += 1
            return False
        new_ids: dict[str, int] = {}
        try:
            conn.execute("BEGIN IMMEDIATE")
            rows: list[tuple[int, int, float]] = []
            oldest: int | None = None
            # Older samples would land in minutes whose raw rows retention may already have deleted.
            floor = max(self._raw_floor, int(self._clock() - self._raw_ret) // 60 * 60 + 60)
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
            rewind = oldest is not None and oldest < self._minute_done
            if rewind:
                assert oldest is not None
                minute_done = min(self._minute_done, oldest // 60 * 60)
                hour_done = min(self._hour_done, oldest // 3600 * 3600)
                self._save_watermarks(conn, minute_done, hour_done)
            conn.execute("COMMIT")
        except (sqlite3.Error, OSError) as e:
            _rollback(conn)
            self._fail(e, "cannot write to")
            return False
        self._ids.update(new_ids)
        if rewind:
            self._minute_done, self._hour_done = minute_done, hour_done
        self.samples_written += len(batch)
        self.last_write = self._clock()
        self._ok()
        return True

    @staticmethod
    def _save_watermarks(conn: sqlite3.Connection, minute_done: int, hour_done: int) -> None:
        conn.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            (("minute_done", str(minute_done)), ("hour_done", str(hour_done))),
        )

    # --- downsampling and retention ---------------------------------------------------

    def maybe_maintain(self) -> None:
        """Run `maintain` if `maintenance_interval` has passed on the store's clock."""
        now = self._clock()
        if now >= self._next_maintenance and self._wconn is not None:
            self.maintain(now)

    def maintain(self, now: float | None = None) -> bool:
        """Fold raw → minute → hour up to complete buckets, then apply retention. One transaction."""
        conn = self._wconn
        if conn is None:
            return False
        now = self._clock() if now is None else now
        self._next_maintenance = now + self._maintenance_interval
        sids = list(self._ids.values())
        minute_cut = int(now) // 60 * 60
        minute_done = max(self._minute_done, 0)
        hour_done = self._hour_done
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
            self._save_watermarks(conn, minute_done, hour_done)
            # Retention: whole buckets only, and never what has not been folded yet.
            raw_cut = min(int(now - self._raw_ret) // 60 * 60, minute_done)
            minute_cut_del = min(int(now - self._minute_ret) // 3600 * 3600, hour_done)
            hour_cut_del = int(now - self._hour_ret) // 3600 * 3600
            for table, cut in (("raw", raw_cut), ("minute", minute_cut_del), ("hour", hour_cut_del)):
                if cut > 0:
                    conn.executemany(
                        f"DELETE FROM {table} WHERE series_id = ? AND ts < ?", ((sid, cut) for sid in sids)
                    )
            conn.execute("COMMIT")
        except (sqlite3.Error, OSError) as e:
            _rollback(conn)
            self._fail(e, "maintenance failed on")
            return False
        self._minute_done, self._hour_done = minute_done, hour_done
        self._raw_floor = max(self._raw_floor, raw_cut)
        self._reclaim(conn)
        return True

    @staticmethod
    def _reclaim(conn: sqlite3.Connection) -> None:
        """Give free pages back to the file system when more than a quarter of the file is free."""
        try:
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            total = conn.execute("PRAGMA page_count").fetchone()[0]
            if total and free > max(256, total // 4):
                conn.execute(f"PRAGMA incremental_vacuum({int(free)})").fetchall()
        except sqlite3.Error:
            pass

    # --- reading ----------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        if self._rconn is None:
            if not self.path.is_file():
                raise HistoryUnavailable(f"history is unavailable: {self.last_error or 'no database file'}")
            try:
                conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA query_only=1")
            except sqlite3.Error as e:
                raise HistoryUnavailable(f"history is unavailable: cannot read {self.path}: {e}") from None
            self._rconn = conn
        return self._rconn

    def known_series(self) -> set[str]:
        """Names /history accepts: what has been recorded, plus the fixed series of every host."""
        names = set(FIXED_SERIES)
        try:
            with self._rlock:
                names.update(r[0] for r in self._reader().execute("SELECT name FROM series"))
        except (HistoryUnavailable, sqlite3.Error):
            pass
        return names

    def list_series(self) -> list[dict[str, object]]:
        """Every series with unit, description and first/last timestamp (null when nothing is stored)."""
        out: dict[str, dict[str, object]] = {}
        try:
            with self._rlock:
                conn = self._reader()
                conn.execute("BEGIN")
                try:
                    for sid, name in conn.execute("SELECT id, name FROM series ORDER BY name").fetchall():
                        firsts, lasts = [], []
                        for table in ("hour", "minute", "raw"):
                            lo, hi = conn.execute(
                                f"SELECT min(ts), max(ts) FROM {table} WHERE series_id = ?", (sid,)
                            ).fetchone()
                            if lo is not None:
                                firsts.append(lo)
                                lasts.append(hi)
                        info = describe(name)
                        out[name] = {
                            "name": name,
                            "unit": info.unit,
                            "description": info.description,
                            "first": min(firsts) if firsts else None,
                            "last": max(lasts) if lasts else None,
                        }
                finally:
                    conn.execute("COMMIT")
        except sqlite3.Error as e:
            self._drop_reader()
            raise HistoryUnavailable(f"history is unavailable: cannot read {self.path}: {e}") from None
        for name, info in FIXED_SERIES.items():
            out.setdefault(
                name, {"name": name, "unit": info.unit, "description": info.description, "first": None, "last": None}
            )
        return sorted(out.values(), key=lambda d: str(d["name"]))

    def _drop_reader(self) -> None:
        if self._rconn is not None:
            try:
                self._rconn.close()
            except sqlite3.Error:
                pass
            self._rconn = None

    def query(self, names: Iterable[str], start: float, end: float, points: int = 300) -> QueryResult:
        """At most `points` buckets per series over [start, end], at an automatically chosen resolution.

        Each point is a bucket: `t` its start (the first may begin up to one bucket before
        `start`), avg weighted by sample count, min and max of the samples inside. Empty
        buckets are left out, so a gap longer than `step` means no data was recorded.
        """
        names = list(dict.fromkeys(names))
        now = self._clock()
        res, width = choose_resolution(start, end, points, now, self.config)
        result = QueryResult(res.name, start, end, width, {})
        try:
            with self._rlock:
                conn = self._reader()
                conn.execute("BEGIN")
                try:
                    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
                    minute_done = int(meta.get("minute_done", 0))
                    hour_done = int(meta.get("hour_done", 0))
                    ids = dict(conn.execute("SELECT name, id FROM series").fetchall())
                    for name in names:
                        data = SeriesData(describe(name).unit)
                        result.series[name] = data
                        sid = ids.get(name)
                        if sid is None:
                            continue
                        rows, used = self._rows(conn, res, sid, start, end, width, points, minute_done, hour_done)
                        result.step = max(result.step, used)
                        for t, a, lo, hi in rows:
                            data.t.append(int(t))
                            data.avg.append(round(a, 4))
                            data.min.append(round(lo, 4))
                            data.max.append(round(hi, 4))
                finally:
                    conn.execute("COMMIT")
        except sqlite3.Error as e:
            self._drop_reader()
            raise HistoryUnavailable(f"history is unavailable: cannot read {self.path}: {e}") from None
        return result

    @staticmethod
    def _rows(
        conn: sqlite3.Connection,
        res: Resolution,
        sid: int,
        start: float,
        end: float,
        width: int,
        points: int,
        minute_done: int,
        hour_done: int,
    ) -> tuple[list[tuple[float, float, float, float]], int]:
        """(rows of (t, avg, min, max), the bucket width used)."""
        hi = int(math.floor(end))
        if res.table == "raw" and width == res.step:
            lo = int(math.ceil(start))
            rows = conn.execute(
                "SELECT ts, value, value, value FROM raw WHERE series_id = ? AND ts >= ? AND ts <= ? ORDER BY ts",
                (sid, lo, hi),
            ).fetchall()
            if len(rows) <= points:
                return rows, width
            width *= 2  # sampled faster than the configured interval: bucket after all
        raw_from = ":lo" if res.table == "raw" else "max(:lo, :md)"
        parts = [f"SELECT ts, value AS a, value AS mn, value AS mx, 1 AS n FROM raw WHERE series_id = :sid"
                 f" AND ts >= {raw_from} AND ts <= :hi"]
        if res.table in ("minute", "hour"):
            minute_from = ":lo" if res.table == "minute" else "max(:lo, :hd)"
            parts.append(f"SELECT ts, avg, min, max, n FROM minute WHERE series_id = :sid"
                         f" AND ts >= {minute_from} AND ts <= :hi AND ts < :md")
        if res.table == "hour":
            parts.append("SELECT ts, avg, min, max, n FROM hour WHERE series_id = :sid"
                         " AND ts >= :lo AND ts <= :hi AND ts < :hd")
        while True:
            lo = int(math.floor(start)) // width * width
            sql = (
                "SELECT ts / :w * :w AS b, sum(a * n) / sum(n), min(mn), max(mx) FROM ("
                + " UNION ALL ".join(parts)
                + ") GROUP BY b ORDER BY b"
            )
            params = {"sid": sid, "lo": lo, "hi": hi, "md": minute_done, "hd": hour_done, "w": width}
            rows = conn.execute(sql, params).fetchall()
            if len(rows) <= points + 1:
                return rows[-points:], width
            width *= 2


def _rollback(conn: sqlite3.Connection) -> None:
    """Undo a failed transaction; a connection too broken to roll back is reopened later anyway."""
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass
