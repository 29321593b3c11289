"""A fleet of exporters for the stack tests and the fleet bench (tests/stack/test_fleet.py,
bench/bench_fleet.py): each exporter reads its own generated /proc and /sys (`root_prefix`,
made from tests/fixtures/root with different memory, swap, load, CPUs and hostname), one reads
this machine, one target is down; a real Prometheus finds them through file_sd and
remote-writes into a real VictoriaMetrics.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.support.procfs import FakeCgroups
from tests.support.servers import REPO, ExporterProcess, free_port, http_get, wait_until
from tests.support.stack import Prometheus, VictoriaMetrics

FIXTURE_ROOT = REPO / "tests" / "fixtures" / "root"


def make_host_root(dest: Path, i: int) -> Path:
    """tests/fixtures/root, changed so that host i differs from the others (and some raise alerts)."""
    shutil.copytree(FIXTURE_ROOT, dest)
    proc = dest / "proc"
    total = (4 + i) * 1024 * 1024  # kB
    used = 0.5 + 0.05 * i  # hosts 7-9 above the memory warning, host 9 above critical
    swap = 2 * 1024 * 1024
    meminfo = (proc / "meminfo").read_text()
    for key, kb in (("MemTotal", total), ("MemAvailable", int(total * (1 - used))), ("MemFree", int(total * 0.1)),
                    ("SwapTotal", swap), ("SwapFree", int(swap * (1 - 0.1 * i)))):
        meminfo = re.sub(rf"^{key}:\s+\d+ kB$", f"{key}:  {kb} kB", meminfo, flags=re.M)
    (proc / "meminfo").write_text(meminfo)
    cpus = 1 + i % 4
    lines = (proc / "stat").read_text().splitlines()
    total_line = next(line for line in lines if line.startswith("cpu "))
    per_cpu = " ".join(str(int(v) * (i + 1)) for v in total_line.split()[1:])
    others = [line for line in lines if not line.startswith("cpu")]
    (proc / "stat").write_text("\n".join([f"cpu  {per_cpu}", *(f"cpu{c} {per_cpu}" for c in range(cpus)), *others])
                               + "\n")
    load = 0.4 * i * cpus / 2  # load per core 0.2 × i: hosts 8 and 9 above 1.5
    (proc / "loadavg").write_text(f"{load:.2f} {load / 2:.2f} {load / 3:.2f} 3/512 4242\n")
    (proc / "sys" / "kernel" / "hostname").write_text(f"fleet-{i:02d}\n")
    add_services(dest, i)
    return dest


def add_services(root: Path, i: int) -> None:
    """A cgroup v2 hierarchy with three services, so the per-service panels have data on any
    machine (a container or chroot may have no cgroup v2 of its own)."""
    cgroups = FakeCgroups(root)
    for j, name in enumerate(("ssh.service", "nginx.service", "postgresql.service"), start=1):
        path = f"/system.slice/{name}"
        n = (i + 1) * j
        cgroups.add(path, usage=n * 1_000_000, pids=(42,) if j == 1 else (), memory=n * 10_000_000)
        cgroups.set_file(path, "io.stat", f"253:0 rbytes={n * 4096} wbytes={n * 8192} rios={n} wios={n} "
                                          "dbytes=0 dios=0\n")
        for kind in ("cpu", "io", "memory"):
            cgroups.set_file(path, f"{kind}.pressure", f"some avg10=0.00 avg60=0.00 avg300=0.00 total={n * 1000}\n"
                                                       f"full avg10=0.00 avg60=0.00 avg300=0.00 total={n * 500}\n")


@dataclass
class Fleet:
    """`hosts` exporters on generated roots, one on this machine and one down target, found by a
    Prometheus through file_sd and remote-written into a VictoriaMetrics; all on 127.0.0.1."""

    workdir: Path
    hosts: int = 10
    external_labels: dict[str, str] = field(default_factory=dict)
    scrape_interval: str = "1s"
    exporters: list[ExporterProcess] = field(default_factory=list)
    down: str = ""
    vm: VictoriaMetrics | None = None
    prom: Prometheus | None = None
    at: float = 0.0  # the evaluation time of every comparison

    @property
    def instances(self) -> list[str]:
        return [f"127.0.0.1:{e.port}" for e in self.exporters]

    def start(self) -> None:
        wd = self.workdir
        for i in range(self.hosts):
            scan = wd / f"scan-{i:02d}"
            (scan / "data").mkdir(parents=True)
            (scan / "data" / "blob").write_bytes(b"\0" * (10_000 * (i + 1)))
            config = {"root_prefix": str(make_host_root(wd / f"host-{i:02d}", i)),
                      "dirsize": {"roots": [str(scan)]}}
            self.exporters.append(ExporterProcess(wd, config))
        self.exporters.append(ExporterProcess(wd, {"dirsize": {"enabled": False}}))  # this machine
        self.down = f"127.0.0.1:{free_port()}"  # nothing listens there: up == 0
        targets = wd / "targets"
        targets.mkdir()
        (targets / "fleet.yml").write_text(yaml.safe_dump(
            [{"targets": self.instances[:self.hosts], "labels": {"env": "fixture"}},
             {"targets": [self.instances[self.hosts], self.down], "labels": {"env": "real"}}]))
        self.vm = VictoriaMetrics(wd)
        self.prom = Prometheus(wd, {
            "global": {"scrape_interval": self.scrape_interval, "evaluation_interval": self.scrape_interval,
                       "external_labels": self.external_labels},
            "scrape_configs": [{"job_name": "sysmon", "file_sd_configs": [{"files": [str(targets / "*.yml")]}]}],
            "remote_write": [{"url": self.vm.write_url,
                              "queue_config": {"batch_send_deadline": "1s", "min_backoff": "100ms"}}],
        })
        self.vm.start()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda e: e.start(30), self.exporters))
        self.prom.start()

    def record(self, seconds: float) -> None:
        """Scrape for `seconds` from now, then set `at` to that time, once VictoriaMetrics has it all."""
        assert self.prom is not None and self.vm is not None
        prom, vm = self.prom, self.vm
        every = len(self.instances) + 1
        wait_until(lambda: len(query(prom.url, 'up{job="sysmon"}', time.time())) == every, 30, 0.2,
                   what=f"{every} targets in Prometheus (log: {prom.log()})")
        at = time.time() + seconds
        # remote_write has shipped everything up to the evaluation time, and the store shows it
        wait_until(lambda: remote_write_sent_up_to(prom.url) >= at + 1, seconds + 30, 0.5,
                   what="remote_write past the evaluation time")
        vm.force_flush()
        wait_until(lambda: len(query(vm.url, 'up{job="sysmon"}', at)) == every, 15, 0.2,
                   what="every target in VictoriaMetrics")
        self.at = at

    def stop(self) -> None:
        for part in (self.prom, self.vm, *self.exporters):
            if part is not None:
                part.stop()


def query(base: str, expr: str, at: float) -> list[dict[str, Any]]:
    status, body, _ = http_get(f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr, "time": f"{at:.3f}"}))
    assert status == 200, f"{base}: {expr}: {body[:300]!r}"
    doc = json.loads(body)
    assert doc["status"] == "success" and doc["data"]["resultType"] in ("vector", "scalar"), doc
    if doc["data"]["resultType"] == "scalar":
        return [{"metric": {}, "value": doc["data"]["result"]}]
    return doc["data"]["result"]


Series = dict[tuple[tuple[str, str], ...], float]


def series(result: list[dict[str, Any]], drop: frozenset[str] = frozenset()) -> Series:
    """Label set (without the labels in `drop`) → value."""
    out = {}
    for r in result:
        labels = tuple(sorted((k, v) for k, v in r["metric"].items() if k not in drop))
        out[labels] = float(r["value"][1])
    return out


def both(fleet: Fleet, expr: str) -> tuple[Series, Series]:
    """The series of `expr` at the evaluation time from Prometheus and from VictoriaMetrics.

    The external labels are left out (only the remote store has them). Where Prometheus'
    answer has no metric name (a computed value), the name is left out of VictoriaMetrics' too:
    MetricsQL keeps it through some functions (min_over_time, ...), which changes no series'
    identity in a dashboard or an alert.
    """
    assert fleet.prom is not None and fleet.vm is not None
    raw = query(fleet.prom.url, expr, fleet.at)
    drop = frozenset(fleet.external_labels)
    if not all("__name__" in r["metric"] for r in raw):
        drop |= {"__name__"}
    return series(raw), series(query(fleet.vm.url, expr, fleet.at), drop)


def remote_write_sent_up_to(prom_url: str) -> float:
    """Newest sample timestamp remote_write has delivered (from Prometheus' own /metrics)."""
    status, body, _ = http_get(prom_url + "/metrics")
    assert status == 200
    m = re.search(rb"^prometheus_remote_storage_queue_highest_sent_timestamp_seconds{[^}]*} (\S+)$", body, re.M)
    return float(m.group(1)) if m else 0.0
