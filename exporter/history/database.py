"""The history database file: where it lives, its schema, and what counts as corrupt.

Layout (one file, ``<data dir>/history.sqlite3``, WAL mode)::

    series(id, name)                                   one row per recorded series
    raw(series_id, ts, value)                          every sample, kept raw_retention (1 day)
    minute(series_id, ts, avg, min, max, n)            1-minute buckets, kept minute_retention (30 days)
    hour(series_id, ts, avg, min, max, n)              1-hour buckets, kept hour_retention (365 days)
    meta(key, value)                                   schema version and downsampling watermarks

``ts`` is whole Unix seconds (bucket start for minute/hour); ``n`` is the number of raw
samples behind a bucket, so hour averages are weighted correctly.

A corrupt, foreign or unreadable file raises `HistoryError` naming the file and the way
out (``--reset-history`` moves it aside with `reset_history`; nothing is ever deleted).
Other tables may live in the same file (the alert state, exporter.alerting.notify.state): they
create themselves and this module never touches them.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path

from exporter.history.errors import HistoryError

log = logging.getLogger("exporter.history.store")  # one logger for the whole store, as before the split

DB_FILENAME = "history.sqlite3"
SCHEMA_VERSION = 1
SQLITE_HEADER = b"SQLite format 3\x00"
# Page cache per connection (SQLite's default is 2,000 KiB). The writer's cache fills to its limit
# at start-up already (PRAGMA quick_check reads the whole file) and the reader's with the first
# charts, so with the default a month-old database held 2.9 MiB of SQLite memory after a restart
# and an hour of writes and chart queries; at 256 KiB each, 0.7 MiB, with the same query times
# (30-day chart 0.7 ms, 7-day 4.6 ms, 24-hour 1.0 ms: the pages stay in the OS's file cache).
CACHE_KIB = 256

_SCHEMA = """
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
"""


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


def is_corruption(e: BaseException) -> bool:
    """Whether an SQLite error means the file itself is damaged (not a transient I/O problem)."""
    name = str(getattr(e, "sqlite_errorname", "") or "")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return True
    msg = str(e).lower()
    return "not a database" in msg or "malformed" in msg or "corrupt" in msg


def _way_out(p: Path) -> str:
    return f"start once with --reset-history to move it aside to {p.name}.corrupt-<timestamp> and begin empty"


def check_file(p: Path) -> None:
    """A readable SQLite file or none at all; anything else is a HistoryError."""
    if not p.exists():
        return
    if p.is_dir():
        raise HistoryError(f"history database {p} is a directory, not a file; {_way_out(p)}")
    try:
        with open(p, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as e:
        raise HistoryError(
            f"history database {p} cannot be read ({e.strerror or e}); fix its permissions, or {_way_out(p)}"
        ) from None
    if head and head != SQLITE_HEADER:
        raise HistoryError(f"history database {p} is not an SQLite database (corrupt?); {_way_out(p)}")


def connect(path: Path) -> sqlite3.Connection:
    """The writer's connection: the file checked, created if needed, in WAL mode, with the schema.

    Raises HistoryError for a corrupt or too-new file; sqlite3.Error/OSError for
    anything else (a directory that cannot be created or written), which the
    writer counts and retries.
    """
    check_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")  # before quick_check reads the file through it
        _setup(conn, path)
    except BaseException as e:
        conn.close()
        if isinstance(e, sqlite3.DatabaseError) and is_corruption(e):
            raise HistoryError(f"history database {path} is corrupt ({e}); {_way_out(path)}") from None
        raise
    return conn


def _setup(conn: sqlite3.Connection, path: Path) -> None:
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
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)  # not executescript: it would commit our transaction
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"history database {path} was written by a newer version (schema {version}, this version"
                f" reads {SCHEMA_VERSION}); upgrade, or start with --reset-history to move it aside"
            )
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def series_ids(conn: sqlite3.Connection) -> dict[str, int]:
    """name → id of every recorded series."""
    return {name: sid for sid, name in conn.execute("SELECT id, name FROM series")}


def connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection for queries (raises sqlite3.Error when the file cannot be opened)."""
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA query_only=1")
    conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    return conn


def rollback(conn: sqlite3.Connection) -> None:
    """Undo a failed transaction; a connection too broken to roll back is reopened later anyway."""
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def close_quietly(conn: sqlite3.Connection | None) -> None:
    if conn is not None:
        try:
            conn.close()
        except sqlite3.Error:
            pass
