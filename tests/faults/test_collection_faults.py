"""Collection keeps going when the host misbehaves: processes exit mid-read, /proc files vanish,
files are unreadable (as nobody), a mount's statfs hangs. Each failure is visible through
node_scrape_collector_success or node_filesystem_device_error, never a 500."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from exporter.config import config_from_dict
from exporter.host import processes as processes_module
from exporter.host.registry import HostReader
from exporter.runtime import build_runtime
from exporter.web.app import create_app
from tests.support.faults import metric_value
from tests.support.nobody import as_nobody, nobody_env

pytestmark = pytest.mark.faults

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "root"


def success(snap: object) -> dict[str, bool]:
    return {c.name: c.success for c in snap.collectors}  # type: ignore[attr-defined]


# --- processes exiting mid-collection ----------------------------------------------------


def test_a_process_listed_then_gone_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """listdir() saw the PID, then it exited before its stat was read."""
    real_listdir = os.listdir

    def listdir_with_ghosts(fd: Any) -> list[str]:
        return [*real_listdir(fd), "999999999", "999999998"]

    monkeypatch.setattr(processes_module.os, "listdir", listdir_with_ghosts)
    reader = HostReader(config_from_dict({}))
    snap = reader.read()
    reader.close()
    assert success(snap)["processes"]
    assert snap.processes and not {p.pid for p in snap.processes} & {999999999, 999999998}


def test_processes_exiting_during_collection_under_churn() -> None:
    """Real churn: short-lived processes start and exit while we collect, 30 times over."""
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            procs = [subprocess.Popen(["true"]) for _ in range(10)]
            for p in procs:
                p.wait()

    threads = [threading.Thread(target=churn, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    reader = HostReader(config_from_dict({}))
    try:
        for _ in range(30):
            snap = reader.read()
            assert success(snap)["processes"], [c.error for c in snap.collectors]
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        reader.close()


def test_a_process_whose_cmdline_vanishes_keeps_its_name(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(FIXTURE, root, symlinks=True)
    (root / "proc" / "4242" / "cmdline").unlink()
    reader = HostReader(config_from_dict({"root_prefix": str(root), "disabled_collectors": ["filesystem"]}))
    procs = {p.pid: p for p in reader.read().processes or ()}
    reader.close()
    assert procs[4242].cmdline == f"[{procs[4242].name}]"


# --- /proc files vanishing between collections --------------------------------------------


def collector_success(text: str) -> dict[str, float]:
    """collector → its success sample in a text exposition."""
    from prometheus_client.parser import text_string_to_metric_families

    return {s.labels["collector"]: s.value for f in text_string_to_metric_families(text)
            for s in f.samples if s.name.endswith("collector_success")}


def test_vanishing_proc_files_fail_only_their_collector_and_recover(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(FIXTURE, root, symlinks=True)
    config = config_from_dict({"root_prefix": str(root), "sample_max_age": 0})
    clock = [1000.0]  # the registry's monotonic clock: a missing file is looked for every 10 s
    runtime = build_runtime(config, reader=HostReader(config, monotonic=lambda: clock[0]))
    client = create_app(runtime).test_client()
    try:
        first = client.get("/metrics")
        assert first.status_code == 200
        assert metric_value(first.text, "node_scrape_collector_success", collector="meminfo") == 1.0

        backup = tmp_path / "backup"
        backup.mkdir()
        gone = ["meminfo", "loadavg", "diskstats", "stat"]
        for name in gone:
            shutil.move(str(root / "proc" / name), str(backup / name))
        shutil.rmtree(root / "proc" / "42")  # a process exits between collections

        r = client.get("/metrics")
        assert r.status_code == 200
        ok_before = {c: v for c, v in collector_success(first.text).items() if v == 1.0}
        now = collector_success(r.text)
        # Exactly the collectors that read the moved files fail (cpu and stat both read /proc/stat).
        assert {c for c in ok_before if now[c] == 0.0} == {"meminfo", "loadavg", "diskstats", "cpu", "stat"}
        data = client.get("/data")
        assert data.status_code == 200
        body = data.get_json()
        assert {c["name"] for c in body["collectors"] if not c["success"]} >= {"meminfo", "loadavg", "diskstats",
                                                                                "cpu", "stat"}
        assert all(c["error"] for c in body["collectors"] if not c["success"])
        health = client.get("/healthz").get_json()  # a vanished file reads as "not on this host"
        assert {"meminfo", "loadavg"} <= set(health["failing_collectors"] + health["unavailable_collectors"])

        for name in gone:  # the files come back: the collectors recover once the registry looks again
            shutil.move(str(backup / name), str(root / "proc" / name))
        clock[0] += HostReader.MISSING_RECHECK_SECONDS
        r = client.get("/metrics")
        assert metric_value(r.text, "node_scrape_collector_success", collector="meminfo") == 1.0
        assert metric_value(r.text, "node_scrape_collector_success", collector="cpu") == 1.0
    finally:
        runtime.stop()


def test_proc_itself_vanishing_is_reported_not_raised(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(FIXTURE, root, symlinks=True)
    reader = HostReader(config_from_dict({"root_prefix": str(root)}))
    first = success(reader.read())
    assert first["processes"] and first["meminfo"]
    shutil.rmtree(root / "proc")
    snap = reader.read()
    reader.close()
    assert not success(snap)["processes"] and not success(snap)["meminfo"]


# --- a mount whose statfs hangs -------------------------------------------------------------


def test_hung_statfs_does_not_hang_scrapes(tmp_path: Path) -> None:
    release = threading.Event()
    calls: list[str] = []

    def statfs(path: str) -> os.statvfs_result:
        calls.append(path)
        if path == "/mnt/nfs":
            release.wait(30)  # a dead NFS server
        return os.statvfs("/")

    root = tmp_path / "root"
    shutil.copytree(FIXTURE, root, symlinks=True)
    with open(root / "proc/1/mounts", "a") as mounts:  # a network mount: its statfs runs in a worker
        mounts.write("srv:/export /mnt/nfs nfs4 rw 0 0\n")
    config = config_from_dict({"root_prefix": str(root), "sample_max_age": 0,
                               "filesystems": {"stat_timeout": "200ms"}})
    runtime = build_runtime(config, reader=HostReader(config, statfs=lambda p: statfs(p[len(str(root)):] or "/")))
    client = create_app(runtime).test_client()
    try:
        for attempt in range(3):
            start = time.monotonic()
            r = client.get("/metrics")
            took = time.monotonic() - start
            assert r.status_code == 200 and took < 2.0, (attempt, took)
            assert metric_value(r.text, "node_filesystem_device_error", mountpoint="/mnt/nfs") == 1.0
            assert metric_value(r.text, "node_filesystem_device_error", mountpoint="/") == 0.0
            assert metric_value(r.text, "node_scrape_collector_success", collector="filesystem") == 1.0
        assert calls.count("/mnt/nfs") == 1  # a still-hanging mount is not asked again
        fs = {f["mountpoint"]: f for f in client.get("/data").get_json()["filesystems"]}
        assert "statfs" in fs["/mnt/nfs"]["error"]
    finally:
        release.set()
        runtime.stop()


# --- unreadable files: the reader as nobody ------------------------------------------------


def run_as_nobody_snapshot() -> dict[str, Any]:
    out = subprocess.run(as_nobody("--snapshot", "--also-root"), env=nobody_env(),
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping to uid 65534 needs root")
def test_reader_as_nobody_still_collects() -> None:
    # A root process whose environment and fds nobody may not read, to be sure one exists.
    holder = subprocess.Popen(["sleep", "30"])
    try:
        result = run_as_nobody_snapshot()
    finally:
        holder.kill()
        holder.wait()
    nobody, root = result["nobody"], result["root"]
    assert nobody["uid"] == 65534
    root_ok = {name for name, ok in root["collectors"].items() if ok}  # what this host can feed
    assert root_ok and not {name for name, ok in nobody["collectors"].items() if not ok} & root_ok, nobody["errors"]
    assert "root" in nobody["users"]  # other users' processes are still listed
    assert nobody["processes"] >= 0.8 * root["processes"]
    # Whatever nobody cannot read is empty or the [comm] placeholder, never an error.
    cmdlines: dict[str, str] = nobody["cmdlines"]
    assert cmdlines[str(holder.pid)] in ("sleep 30", "[sleep]", "")
