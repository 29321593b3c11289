"""Safety: corrupt files, moving aside, write failures (full disk, unwritable directory), kill -9."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from prometheus_client.core import CollectorRegistry

from exporter.config import config_from_dict
from exporter.history import (
    HistoryError,
    HistoryStore,
    HistoryUnavailable,
    database,
    database_path,
    history_families,
    open_history,
    reset_history,
)
from tests.support.history import HOUR0, FakeClock, config, make_store, read, simulate, write
from tests.support.nobody import DROP, nobody_env

REPO = Path(__file__).resolve().parents[2]


class _Families:
    def __init__(self, store: HistoryStore | None) -> None:
        self.store = store

    def collect(self):
        return history_families(self.store)


def metric(store: HistoryStore | None, name: str) -> float | None:
    registry = CollectorRegistry()
    registry.register(_Families(store))
    return registry.get_sample_value(name)


# --- corrupt or unreadable database -------------------------------------------------------------


def test_garbage_file_is_one_clear_error_naming_the_file_and_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database\n" * 500)
    with pytest.raises(HistoryError) as e:
        HistoryStore(path, config()).open()
    assert str(path) in str(e.value) and "--reset-history" in str(e.value)


def test_damaged_pages_are_detected_at_open(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    simulate(store, clock, 3600, values=lambda now: {f"s{i}": float(i) for i in range(20)})
    store.close()
    path = tmp_path / "history.sqlite3"
    data = bytearray(path.read_bytes())
    assert len(data) > 8 * 4096
    data[4096 * 2 : 4096 * 6] = os.urandom(4096 * 4)  # trash b-tree pages, keep the header
    path.write_bytes(bytes(data))
    with pytest.raises(HistoryError) as e:
        HistoryStore(path, config()).open()
    assert "corrupt" in str(e.value) and "--reset-history" in str(e.value)


def test_a_directory_in_place_of_the_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.mkdir()
    with pytest.raises(HistoryError, match="is a directory"):
        HistoryStore(path, config()).open()


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    make_store(tmp_path, clock).close()
    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(HistoryError, match="newer version"):
        HistoryStore(path, config()).open()


def test_reset_moves_the_database_and_its_wal_aside_never_deletes(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    garbage = b"garbage" * 100
    path.write_bytes(garbage)
    (tmp_path / "history.sqlite3-wal").write_bytes(b"wal")
    moved = reset_history(path, now=1_700_000_000)
    assert [m.name for m in moved] == ["history.sqlite3.corrupt-20231114T221320Z",
                                       "history.sqlite3.corrupt-20231114T221320Z-wal"]
    assert moved[0].read_bytes() == garbage and moved[1].read_bytes() == b"wal"
    assert not path.exists()
    # the same second again: a new name, nothing overwritten
    path.write_bytes(b"more garbage")
    again = reset_history(path, now=1_700_000_000)
    assert again[0].name == "history.sqlite3.corrupt-20231114T221320Z.2"
    assert moved[0].read_bytes() == garbage
    assert reset_history(path) == []  # nothing to move


def test_open_history_with_reset_starts_empty(tmp_path: Path) -> None:
    cfg = config_from_dict({"data_dir": str(tmp_path)})
    path = database_path(cfg.data_path())
    path.write_bytes(b"garbage" * 100)
    with pytest.raises(HistoryError):
        open_history(cfg)
    store = open_history(cfg, reset=True)
    assert store is not None and store.up
    store.close()
    assert len(list(tmp_path.glob("history.sqlite3.corrupt-*"))) == 1
    assert open_history(config_from_dict({"data_dir": str(tmp_path), "history": {"enabled": False}})) is None


# --- write failures: reported, never raised -----------------------------------------------------


def test_unwritable_data_dir_degrades_instead_of_raising(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    clock = FakeClock(HOUR0)
    store = HistoryStore(blocker / "history.sqlite3", config(), clock=clock, maintenance_interval=0)
    with caplog.at_level(logging.ERROR, logger="exporter.history.store"):
        store.open()  # no exception
        store.start()
        for i in range(5):
            store.submit(HOUR0 + 10 * i, {"x": 1.0})
            assert store.flush(5)
    assert not store.up and store.write_errors >= 5
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1  # logged once
    assert str(blocker) in caplog.records[0].getMessage()
    with pytest.raises(HistoryUnavailable):
        store.query(["cpu.percent"], HOUR0, HOUR0 + 60, 10)
    assert metric(store, "sysmon_history_up") == 0
    assert (metric(store, "sysmon_history_write_errors_total") or 0) >= 5
    store.close()


def test_full_disk_is_counted_logged_once_and_recovers(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock(HOUR0)
    opened: list[sqlite3.Connection] = []

    def connect(path: Path) -> sqlite3.Connection:
        opened.append(database.connect(path))
        return opened[-1]

    store = make_store(tmp_path, clock, connect=connect)
    simulate(store, clock, 600)
    (conn,) = opened
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL from now on, like a full disk
    with caplog.at_level(logging.WARNING, logger="exporter.history.store"):
        results = []
        for i in range(20):
            errors = store.write_errors
            write(store, clock.now + i, {f"new{i}.{j}": 1.0 for j in range(200)})
            results.append(store.write_errors == errors)
        assert False in results and results[results.index(False) :] == [False] * (20 - results.index(False))
        assert store.write_errors == results.count(False) and not store.up
        assert metric(store, "sysmon_history_up") == 0
        logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(logged) == 1 and "full" in logged[0].getMessage()
        conn.execute("PRAGMA max_page_count = 1073741823")
        written = store.samples_written
        write(store, clock.now + 100, {"x": 1.0})
        assert store.samples_written == written + 1
    assert store.up and any("works again" in r.getMessage() for r in caplog.records)
    assert store.query(["x"], clock.now, clock.now + 200, 10).series["x"].avg == [1.0]
    store.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody in a child")
@pytest.mark.integration
def test_read_only_data_dir_as_a_normal_user() -> None:
    """A real permission problem: the store runs as `nobody` against a directory it cannot write."""
    base = Path(tempfile.mkdtemp(prefix="sysmon-ro-"))  # pytest's tmp_path is private to root
    try:
        data = base / "data"
        data.mkdir()
        os.chmod(base, 0o755)
        os.chmod(data, 0o555)
        script = textwrap.dedent(
            """
            import json, sys
            from exporter.history import HistoryStore
            DROP
            store = HistoryStore(sys.argv[1])
            store.open()
            store.submit(1.0e9, {"x": 1.0})
            store.flush()
            ok = store.samples_written == 1
            print(json.dumps({"up": store.up, "ok": ok, "errors": store.write_errors, "error": store.last_error}))
            """
        ).replace("DROP", DROP)
        out = subprocess.run([sys.executable, "-c", script, str(data / "history.sqlite3")],
                             capture_output=True, text=True, timeout=60, cwd=base, env=nobody_env())
        assert out.returncode == 0, out.stderr
        status = json.loads(out.stdout)
        assert status["up"] is False and status["ok"] is False and status["errors"] >= 1
        assert str(data) in status["error"]
    finally:
        shutil.rmtree(base)


# --- kill -9 ------------------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys
    from exporter.history import HistoryStore
    store = HistoryStore(sys.argv[1])
    store.open()
    store.start()
    i = 0
    t0 = 1.9e9  # in the future, so no maintenance ever deletes it
    while True:
        for _ in range(20):  # one batch: 20 samples of 30 series
            store.submit(t0 + 10 * i, {f"s{j}": float(i) for j in range(30)})
            i += 1
        store.flush(30)
        print(store.samples_written, flush=True)
    """
)


@pytest.mark.integration
def test_kill_9_while_writing_loses_at_most_the_last_batch(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    confirmed = 0
    try:
        for line in proc.stdout:
            confirmed = int(line)
            if confirmed >= 2000:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert confirmed >= 2000 and proc.returncode == -signal.SIGKILL
    # opens cleanly, passes an integrity check, and holds a contiguous prefix of what was submitted
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store = HistoryStore(path, config())
    store.open()
    assert store.up
    ((n, lo, hi, per_series),) = read(
        path, "SELECT count(DISTINCT ts), min(ts), max(ts), count(*) * 1.0 / count(DISTINCT ts) FROM raw"
    )
    assert n >= confirmed  # everything confirmed as written survived
    assert (hi - lo) / 10 + 1 == n  # no holes: only a trailing, uncommitted batch can be missing
    assert per_series == 30  # no half-written sample
    store.close()
