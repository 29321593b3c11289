"""The /data document of a hand-built Reading, with exact values: what the page (and nothing else) reads."""

from __future__ import annotations

import json

from exporter.sampling.snapshot import Disk, Filesystem, NetInterface
from tests.support.snapshots import GiB, cpu, proc, snapshot
from tests.support.wiring import runtime_for

FS = (Filesystem("/dev/sda1", "/", "ext4", size=100 * GiB, free=40 * GiB, avail=35 * GiB, files=10, files_free=5),
      Filesystem("srv:/x", "/mnt/nfs", "nfs4", error="statfs timed out after 5s"))


def nics(k: int) -> tuple[NetInterface, ...]:
    return (NetInterface("eth0", 1000 * k, 0, 0, 0, 500 * k, 0, 0, 0, True),
            NetInterface("veth1", 10 * k, 0, 0, 0, 10 * k, 0, 0, 0, True))


def document():
    procs_a = (proc(1, "init", 5.0, 10 << 20), proc(200, "python3", 50.0, 300 << 20, threads=4))
    procs_b = (proc(1, "init", 5.0, 10 << 20), proc(200, "python3", 51.0, 300 << 20, threads=4),
               proc(300, "new", 0.5, 1 << 20))
    a = snapshot(1, t=1000, cpus=(cpu(10, 90, "0"), cpu(20, 80, "1")), processes=procs_a, filesystems=FS,
                 network=nics(0), disks=(Disk("sda", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),))
    b = snapshot(2, t=1002, cpus=(cpu(11, 91, "0"), cpu(22, 80, "1")), processes=procs_b, filesystems=FS,
                 network=nics(1), disks=(Disk("sda", 0, 0, 4096, 0, 0, 0, 8192, 0, 0, 0, 0),))
    runtime = runtime_for(a, b, network={"page_hide": "^veth"}, processes={"table_size": 2})
    runtime.sampler.latest()
    runtime.sampler.latest()
    data, body = runtime.view.latest()
    assert json.loads(body) == data
    return data


def test_sections_have_exact_values() -> None:
    d = document()
    assert (d["timestamp"], d["interval_seconds"], d["hostname"], d["uptime_seconds"]) == (1002, 2.0, "testhost", 3600)
    assert d["cpu"] == {"count": 2, "percent": 75.0, "per_core": [50.0, 100.0],
                        "modes": {"user": 75.0, "nice": 0.0, "system": 0.0, "iowait": 0.0, "irq": 0.0,
                                  "softirq": 0.0, "steal": 0.0}}
    assert d["load"] == {"load1": 0.5, "load5": 0.4, "load15": 0.3, "per_core": 0.25}
    assert d["memory"] == {"total_bytes": 8 * GiB, "used_bytes": 2 * GiB, "available_bytes": 6 * GiB, "percent": 25.0}
    assert d["swap"] == {"total_bytes": 2 * GiB, "used_bytes": 0, "percent": 0.0}
    assert d["filesystems"][0] == {"mountpoint": "/", "device": "/dev/sda1", "fstype": "ext4",
                                   "total_bytes": 100 * GiB, "used_bytes": 60 * GiB, "avail_bytes": 35 * GiB,
                                   "percent": 63.16, "readonly": False, "error": ""}
    assert d["filesystems"][1]["percent"] is None and d["filesystems"][1]["error"].startswith("statfs timed out")
    assert d["network"] == [
        {"device": "eth0", "rx_bytes_per_second": 500.0, "tx_bytes_per_second": 250.0, "rx_bytes_total": 1000,
         "tx_bytes_total": 500, "up": True, "hidden": False, "errors_per_second": 0.0, "drops_per_second": 0.0},
        {"device": "veth1", "rx_bytes_per_second": 5.0, "tx_bytes_per_second": 5.0, "rx_bytes_total": 10,
         "tx_bytes_total": 10, "up": True, "hidden": True, "errors_per_second": 0.0, "drops_per_second": 0.0},
    ]
    assert d["disks"] == [{"device": "sda", "read_bytes_per_second": 2048.0, "write_bytes_per_second": 4096.0,
                           "reads_per_second": 0.0, "writes_per_second": 0.0, "util_percent": 0.0,
                           "read_await_seconds": None, "write_await_seconds": None}]
    assert d["pressure"] is None  # no PSI families in these snapshots


def test_the_process_table_is_the_union_of_the_top_by_cpu_and_by_memory() -> None:
    p = document()["processes"]
    assert p["total"] == 3 and p["by_state"] == {"sleeping": 3} and p["table_size"] == 2
    rows = {r["pid"]: r for r in p["top"]}
    assert list(rows) == [200, 1]  # top 2 by CPU (python3 ran, init by lifetime seconds); by memory the same two
    assert rows[200]["cpu_percent"] == 50.0 and rows[200]["threads"] == 4
    assert rows[200]["memory_percent"] == round(100 * 300 / (8 * 1024), 2)
    assert rows[1]["cpu_percent"] == 0.0


def test_series_are_exactly_what_history_records() -> None:
    d = document()
    assert d["series"] == {
        "cpu.percent": 75.0, "load.load1": 0.5, "memory.percent": 25.0, "swap.percent": 0.0,
        "fs./.percent": 63.16, "net.eth0.rx_bytes_per_second": 500.0, "net.eth0.tx_bytes_per_second": 250.0,
        "disk.sda.read_bytes_per_second": 2048.0, "disk.sda.write_bytes_per_second": 4096.0,
    }


def test_alerts_and_features_are_read_not_advanced() -> None:
    d = document()
    thresholds = d["alerts"].pop("thresholds")
    assert d["alerts"] == {"firing": [], "pending": [], "log": []}
    # The configured levels (defaults here), for the page's bar colours and chart lines.
    assert thresholds["cpu"] == {"warning": 0.85, "critical": 0.95, "for_seconds": 300.0}
    assert thresholds["load_per_core"] == {"warning": 1.5, "critical": 3.0, "for_seconds": 600.0}
    assert sorted(thresholds) == ["cpu", "filesystem", "load_per_core", "memory", "swap"]
    assert d["history"] == {"enabled": False} and d["dirsize"] == {"enabled": False}
    assert [c["name"] for c in d["collectors"]] == ["cpu", "filesystem"]
    assert all(c["available"] for c in d["collectors"])  # the page mutes the unavailable ones


def test_services_section_from_the_cgroup_series() -> None:
    """The page's services table: rates between the two Readings' cgroup series, busiest first,
    null figures where the host lacks the controller, null section without the collector."""
    from exporter.sampling.snapshot import CgroupUsage

    a = snapshot(1, t=1000, cgroups=(CgroupUsage("/system.slice/db.service", 10.0, 300 << 20, 0.0, 4096.0,
                                                  cpu_waiting_seconds=1.0),
                                      CgroupUsage("/system.slice/cron.service", 1.0),
                                      CgroupUsage("other", 2.0, cgroups=7)))
    b = snapshot(2, t=1002, cgroups=(CgroupUsage("/system.slice/db.service", 11.0, 310 << 20, 8192.0, 4096.0,
                                                  cpu_waiting_seconds=1.1),
                                      CgroupUsage("/system.slice/cron.service", 1.5),
                                      CgroupUsage("other", 2.0, cgroups=7),
                                      CgroupUsage("/system.slice/new.service", 0.1)))
    runtime = runtime_for(a, b, processes={"table_size": 3})
    runtime.sampler.latest()
    runtime.sampler.latest()
    services = runtime.view.latest()[0]["services"]
    assert services["total"] == 4 and services["table_size"] == 3
    db, cron, new = services["top"]  # "other" (0 %) is the fourth: the table shows three
    assert db == {"name": "/system.slice/db.service", "unit": "db.service", "cgroups": 1, "cpu_percent": 50.0,
                  "memory_bytes": 310 << 20, "io_read_bytes_per_second": 4096.0, "io_write_bytes_per_second": 0.0,
                  "cpu_pressure_percent": 5.0, "io_pressure_percent": None, "memory_pressure_percent": None}
    assert cron["cpu_percent"] == 25.0 and cron["memory_bytes"] is None and cron["io_read_bytes_per_second"] is None
    assert new["name"] == "/system.slice/new.service" and new["cpu_percent"] is None  # no rate yet
    # Without the collector (or without cgroup v2) the section is null.
    runtime = runtime_for(snapshot(1), snapshot(2))
    runtime.sampler.latest()
    assert runtime.view.latest()[0]["services"] is None


def test_processes_by_state_names_every_state_and_keeps_an_unknown_letter() -> None:
    """States are counted by letter and then named: two letters never merge, an unknown one
    (a newer kernel's) is shown as the letter itself, and the keys stay in name order."""
    states = "RSSZDIQ"
    procs = tuple(proc(i + 1, f"p{i}", state=s) for i, s in enumerate(states))
    runtime = runtime_for(snapshot(1, processes=procs), snapshot(2, t=1002, processes=procs))
    runtime.sampler.latest()
    runtime.sampler.latest()
    by_state = runtime.view.latest()[0]["processes"]["by_state"]
    assert by_state == {"Q": 1, "disk-sleep": 1, "idle": 1, "running": 1, "sleeping": 2, "zombie": 1}
    assert list(by_state) == sorted(by_state)
