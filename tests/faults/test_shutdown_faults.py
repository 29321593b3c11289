"""Shutdown and storage faults on the real server process: SIGTERM/SIGINT under load, during a
directory scan and during history writes; a history data directory the exporter cannot write."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.faults import metric_value
from tests.support.nobody import as_nobody, nobody_env
from tests.support.servers import ExporterProcess, free_port, http_get, wait_until

pytestmark = pytest.mark.faults

STOP_WITHIN = 2.0


def hammer(url: str, stop: threading.Event) -> threading.Thread:
    def run() -> None:
        while not stop.is_set():
            try:
                http_get(url + "/metrics", timeout=2)
                http_get(url + "/data", timeout=2)
            except OSError:
                pass

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_under_load_stops_within_2s(exporter_proc: Any, sig: signal.Signals) -> None:
    exp: ExporterProcess = exporter_proc({"dirsize": {"enabled": False}})
    stop = threading.Event()
    workers = [hammer(exp.url, stop) for _ in range(8)]
    try:
        wait_until(lambda: exp.get("/metrics")[0] == 200, 5)
        took = exp.stop(sig)
    finally:
        stop.set()
        for w in workers:
            w.join(5)
    assert exp.proc is not None and exp.proc.returncode == 0, exp.log_path.read_text()[-2000:]
    assert took < STOP_WITHIN, took
    assert "shutting down" in exp.log_path.read_text()
    print(f"\n{sig.name} under load: stopped in {took:.2f} s")


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """128,000 hard-linked files in a tree of doublings (cp -al is fast): a scan of it takes
    long enough to be interrupted."""
    base = tmp_path_factory.mktemp("bigtree")
    level = base / "g0"
    level.mkdir()
    for f in range(1000):
        os.close(os.open(level / f"f{f}", os.O_CREAT | os.O_WRONLY, 0o644))
    for i in range(1, 8):
        parent = base / f"g{i}"
        parent.mkdir()
        subprocess.run(["cp", "-al", str(level), str(parent / "x")], check=True)
        level.rename(parent / "y")
        level = parent
    return level


def test_sigterm_during_a_directory_scan(exporter_proc: Any, big_tree: Path) -> None:
    exp: ExporterProcess = exporter_proc({"dirsize": {"roots": [str(big_tree)], "refresh_interval": "1d",
                                                    "rescan_min_interval": "0s"}})
    target = f"/disk-usage-details?path={big_tree}"

    def running() -> bool:
        status, body, _ = exp.get(target)
        return bool(json.loads(body).get("running"))

    for _ in range(3):  # the first (scheduled) scan may finish before we look: force another
        import urllib.request

        req = urllib.request.Request(exp.url + target, method="POST", headers={"X-Requested-With": "test"})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 202
        try:
            wait_until(running, 5, 0.01, what="a running scan")
            break
        except AssertionError:
            continue
    else:
        pytest.fail("could not catch the scan running")
    took = exp.stop(signal.SIGTERM)
    assert exp.proc is not None and exp.proc.returncode == 0, exp.log_path.read_text()[-2000:]
    assert took < STOP_WITHIN, took
    print(f"\nSIGTERM during a scan: stopped in {took:.2f} s")


def test_sigterm_during_history_writes_leaves_a_sound_database(exporter_proc: Any, tmp_path: Path) -> None:
    exp: ExporterProcess = exporter_proc({"dirsize": {"enabled": False}, "history": {"sample_interval": "1s"}},
                                         history=True)

    def recorded() -> bool:
        status, body, _ = exp.get("/history?series=cpu.percent&from=-5m")
        return status == 200 and len(json.loads(body)["series"]["cpu.percent"]["t"]) >= 2

    wait_until(recorded, 20, 0.2, what="history samples")
    stop = threading.Event()
    worker = hammer(exp.url, stop)  # writes keep coming while we stop it
    try:
        took = exp.stop(signal.SIGTERM)
    finally:
        stop.set()
        worker.join(5)
    assert exp.proc is not None and exp.proc.returncode == 0, exp.log_path.read_text()[-2000:]
    assert took < STOP_WITHIN, took
    print(f"\nSIGTERM during history writes: stopped in {took:.2f} s")
    dbs = list((tmp_path / f"data-{exp.port}").rglob("*.sqlite3"))
    assert dbs, list(tmp_path.rglob("*"))
    with sqlite3.connect(dbs[0]) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # and the exporter opens it again
    again: ExporterProcess = exporter_proc({"dirsize": {"enabled": False}}, port=exp.port, history=True)
    assert again.get("/history/series")[0] == 200


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")
def test_unwritable_history_directory() -> None:
    """Run as nobody with a data directory owned by root (0755): history fails, serving does not."""
    with tempfile.TemporaryDirectory(prefix="sysmon-ro-") as tmp:  # pytest's tmp_path is 0700: not for nobody
        os.chmod(tmp, 0o755)
        run_unwritable_history(Path(tmp))


def run_unwritable_history(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    cfg = tmp_path / "cfg.yml"
    cfg.write_text("dirsize:\n  enabled: false\nhistory:\n  sample_interval: 1s\n")
    cfg.chmod(0o644)
    port = free_port()
    log = tmp_path / "exporter.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(as_nobody("serve", "--listen", f"127.0.0.1:{port}", "--config", str(cfg),
                                          "--data-dir", str(data)), env=nobody_env(), stdout=out,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http_get(url + "/healthz", timeout=1)[0] == 200, 20, what=f"exporter ({log})")
        assert http_get(url + "/data")[0] == 200

        def history_down() -> bool:
            status, body, _ = http_get(url + "/metrics")
            return status == 200 and metric_value(body.decode(), "sysmon_history_up") == 0.0

        wait_until(history_down, 10, 0.2, what="sysmon_history_up 0")
        status, body, _ = http_get(url + "/metrics")
        assert metric_value(body.decode(), "node_scrape_collector_success", collector="cpu") == 1.0
        status, body, _ = http_get(url + "/history/series")
        assert status in (200, 503) and (status == 200 or json.loads(body)["error"])
    finally:
        proc.send_signal(signal.SIGTERM)
        start = time.monotonic()
        proc.wait(10)
        assert time.monotonic() - start < STOP_WITHIN and proc.returncode == 0
    text = log.read_text()
    assert "history" in text.lower() and ("permission" in text.lower() or "read-only" in text.lower()
                                          or "unable to open" in text.lower()), text[-2000:]
