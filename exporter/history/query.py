"""Reading the history: resolution choice and range queries, on a read-only connection of their own.

`query` picks a resolution (`choose_resolution`), then reads the coarse table up to its
watermark and the finer tables after it (so a 30-day chart still shows the last minutes),
bucket-averaging in SQL, weighted by ``n``. Readers never wait for the writer (WAL).
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from exporter.config import HistoryConfig
from exporter.history.database import close_quietly, connect_reader
from exporter.history.errors import HistoryUnavailable
from exporter.history.rollup import Retention
from exporter.history.series import FIXED_SERIES, describe


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


def raw_resolution(cfg: HistoryConfig) -> Resolution:
    return Resolution("raw", "raw", max(1, math.ceil(cfg.sample_interval)))


def choose_resolution(start: float, end: float, points: int, now: float, cfg: HistoryConfig) -> tuple[Resolution, int]:
    """(resolution, bucket width in seconds) for a chart of `points` points over [start, end].

    The finest resolution whose retention still covers `start` is the candidate; a
    coarser one replaces it when its step still fits the bucket width the chart needs
    (so a 24 h chart at 300 points reads 1-minute rows, not 8,640 raw rows per series).
    The bucket width is a whole multiple of the resolution's step.
    """
    retention = Retention.of(cfg)
    span = max(end - start, 0.0)
    need = span / max(points - 1, 1)
    chosen: Resolution | None = None
    for res, kept in ((raw_resolution(cfg), retention.raw), (MINUTE, retention.minute), (HOUR, math.inf)):
        if start < now - kept:
            continue  # this table no longer holds the beginning of the range
        if chosen is None or res.step <= need:
            chosen = res
    assert chosen is not None
    if span / chosen.step <= points:
        return chosen, chosen.step  # every row fits: no bucketing beyond the table's own
    return chosen, chosen.step * max(1, math.ceil(need / chosen.step - 1e-9))


class Reader:
    """Queries on one read-only connection, opened on first use and reopened after an error.

    `why_down` names the writer's last error, so a query against a database that was never
    created says why (e.g. the data directory could not be made).
    """

    def __init__(self, path: Path, config: HistoryConfig, why_down: Callable[[], str]) -> None:
        self.path = path
        self.config = config
        self._why_down = why_down
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _reader(self) -> sqlite3.Connection:
        if self._conn is None:
            if not self.path.is_file():
                raise HistoryUnavailable(f"history is unavailable: {self._why_down() or 'no database file'}")
            try:
                self._conn = connect_reader(self.path)
            except sqlite3.Error as e:
                raise HistoryUnavailable(f"history is unavailable: cannot read {self.path}: {e}") from None
        return self._conn

    def _unavailable(self, e: sqlite3.Error) -> HistoryUnavailable:
        self.close()
        return HistoryUnavailable(f"history is unavailable: cannot read {self.path}: {e}")

    def close(self) -> None:
        close_quietly(self._conn)
        self._conn = None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One read transaction (a consistent view of every table while the writer goes on);
        an SQLite error closes the connection, so the next query reopens it, and is raised
        as HistoryUnavailable."""
        try:
            with self._lock:
                conn = self._reader()
                conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    conn.execute("COMMIT")
        except sqlite3.Error as e:
            raise self._unavailable(e) from None

    def known_series(self) -> set[str]:
        """Names /history accepts: what has been recorded, plus the fixed series of every host."""
        names = set(FIXED_SERIES)
        try:
            with self._lock:
                names.update(r[0] for r in self._reader().execute("SELECT name FROM series"))
        except (HistoryUnavailable, sqlite3.Error):
            pass
        return names

    def list_series(self) -> list[dict[str, object]]:
        """Every series with unit, description and first/last timestamp (null when nothing is stored)."""
        out: dict[str, dict[str, object]] = {}
        with self._transaction() as conn:
            for sid, name in conn.execute("SELECT id, name FROM series ORDER BY name").fetchall():
                firsts, lasts = [], []
                for table in ("hour", "minute", "raw"):
                    sql = f"SELECT min(ts), max(ts) FROM {table} WHERE series_id = ?"
                    lo, hi = conn.execute(sql, (sid,)).fetchone()
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
        for name, info in FIXED_SERIES.items():
            out.setdefault(
                name, {"name": name, "unit": info.unit, "description": info.description, "first": None, "last": None}
            )
        return sorted(out.values(), key=lambda d: str(d["name"]))

    def query(self, names: Iterable[str], start: float, end: float, points: int, now: float) -> QueryResult:
        """At most `points` buckets per series over [start, end], at an automatically chosen resolution.

        Each point is a bucket: `t` its start (the first may begin up to one bucket before
        `start`), avg weighted by sample count, min and max of the samples inside. Empty
        buckets are left out, so a gap longer than `step` means no data was recorded.
        """
        names = list(dict.fromkeys(names))
        res, width = choose_resolution(start, end, points, now, self.config)
        result = QueryResult(res.name, start, end, width, {})
        with self._transaction() as conn:
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
                rows, used = _rows(conn, res, sid, start, end, width, points, minute_done, hour_done)
                result.step = max(result.step, used)
                for t, a, lo, hi in rows:
                    data.t.append(int(t))
                    data.avg.append(round(a, 4))
                    data.min.append(round(lo, 4))
                    data.max.append(round(hi, 4))
        return result


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
            return rows, width
        width *= 2
