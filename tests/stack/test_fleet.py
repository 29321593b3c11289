"""From one host to a fleet, on existing engines (docs/stack.md, "A fleet").

Ten exporters on loopback, each reading its own generated /proc and /sys (`root_prefix`, made
from tests/fixtures/root with different memory, swap, load, CPUs and hostname, so their series
differ), plus one reading this machine and one target that is down, are found by a real
Prometheus through `file_sd`; Prometheus `remote_write`s everything into a real VictoriaMetrics
(Debian's victoria-metrics). At one evaluation time, every query of every bundled Grafana
dashboard (per instance) and every bundled alert rule must return the same series from
VictoriaMetrics as from Prometheus (external labels aside: only the remote store has them).

The figures docs/stack.md quotes (series per host, samples per second at the default
scrape interval, bytes per sample as VictoriaMetrics reports it) are written to
test-artifacts/fleet.json by this test.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.servers import REPO, ExporterProcess, free_port, http_get, wait_until
from tests.support.stack import (
    DASHBOARDS,
    Prometheus,
    VictoriaMetrics,
    dashboard_queries,
    load_dashboard,
    substitute,
)

pytestmark = [pytest.mark.stack, pytest.mark.slow]

HOSTS = 10
FIXTURE_ROOT = REPO / "tests" / "fixtures" / "root"
RULES = sorted((REPO / "prometheus" / "rules").glob("*.yml"))
ARTIFACTS = REPO / "test-artifacts"
EXTERNAL = {"site": "fleet-test"}  # what a per-site Prometheus adds when it writes to the central store
RATE_INTERVAL = "15s"  # Grafana's $__rate_interval at a 1 s scrape: several samples per window
HISTORY = 18.0  # seconds of scrapes before the comparison: more than RATE_INTERVAL
DEFAULT_SCRAPE_INTERVAL = 15.0  # prometheus/prometheus.yml


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
    return dest


@dataclass
class Fleet:
    workdir: Path
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
        for i in range(HOSTS):
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
            [{"targets": self.instances[:HOSTS], "labels": {"env": "fixture"}},
             {"targets": [self.instances[HOSTS], self.down], "labels": {"env": "real"}}]))
        self.vm = VictoriaMetrics(wd)
        self.prom = Prometheus(wd, {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "external_labels": EXTERNAL},
            "scrape_configs": [{"job_name": "sysmon", "file_sd_configs": [{"files": [str(targets / "*.yml")]}]}],
            "remote_write": [{"url": self.vm.write_url,
                              "queue_config": {"batch_send_deadline": "1s", "min_backoff": "100ms"}}],
        })
        self.vm.start()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda e: e.start(30), self.exporters))
        self.prom.start()

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
    return doc["data"]["result"]  # type: ignore[no-any-return]


Series = dict[tuple[tuple[str, str], ...], float]


def series(result: list[dict[str, Any]], drop: frozenset[str] = frozenset()) -> Series:
    """Label set (external labels and `drop` left out) → value."""
    out = {}
    for r in result:
        labels = tuple(sorted((k, v) for k, v in r["metric"].items() if k not in EXTERNAL and k not in drop))
        out[labels] = float(r["value"][1])
    return out


def both(fleet: Fleet, expr: str) -> tuple[Series, Series]:
    """The series of `expr` at the evaluation time from Prometheus and from VictoriaMetrics.

    Where Prometheus' answer has no metric name (a computed value), the name is left out of
    VictoriaMetrics' too: MetricsQL keeps it through some functions (min_over_time, ...),
    which changes no series' identity in a dashboard or an alert.
    """
    assert fleet.prom is not None and fleet.vm is not None
    raw = query(fleet.prom.url, expr, fleet.at)
    drop = frozenset() if all("__name__" in r["metric"] for r in raw) else frozenset({"__name__"})
    return series(raw), series(query(fleet.vm.url, expr, fleet.at), drop)


def same_value(a: float, b: float) -> bool:
    # VictoriaMetrics keeps about 15 significant digits: a Unix timestamp comes back within a
    # microsecond, so `time() - timestamp` may differ by that much.
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-5) or (math.isnan(a) and math.isnan(b))


def same_ranking(p: dict[Any, float], v: dict[Any, float], top: bool) -> bool:
    """topk/bottomk: the same values, and the same series wherever no tie at the cut-off makes the
    choice arbitrary (each engine breaks ties its own way)."""
    pv, vv = sorted(p.values()), sorted(v.values())
    if len(pv) != len(vv) or not all(same_value(a, b) for a, b in zip(pv, vv, strict=True)):
        return False
    if not pv:
        return True
    cut = pv[0] if top else pv[-1]
    clear = {k for k, x in p.items() if not same_value(x, cut)}
    return clear == {k for k, x in v.items() if not same_value(x, cut)}


# Functions whose values the two engines compute differently by design (VictoriaMetrics does not
# extrapolate rate() to the window's edges, and looks one sample behind it): series compared, values not.
WINDOWED = re.compile(r"\b(rate|irate|increase|delta|deriv|predict_linear|changes|\w+_over_time)\(")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    f = Fleet(tmp_path_factory.mktemp("fleet"))
    try:
        f.start()
        assert f.prom is not None and f.vm is not None
        prom, vm = f.prom, f.vm
        every = len(f.instances) + 1
        wait_until(lambda: len(query(prom.url, 'up{job="sysmon"}', time.time())) == every, 30, 0.2,
                   what=f"{every} targets in Prometheus (log: {prom.log()})")
        f.at = time.time() + HISTORY
        # Remote write has shipped everything up to the evaluation time, and the store shows it.
        wait_until(lambda: remote_write_sent_up_to(prom.url) >= f.at + 1, HISTORY + 30, 0.5,
                   what="remote_write past the evaluation time")
        vm.force_flush()
        wait_until(lambda: len(query(vm.url, 'up{job="sysmon"}', f.at)) == every, 15, 0.2,
                   what="every target in VictoriaMetrics")
        yield f
    finally:
        f.stop()


def remote_write_sent_up_to(prom_url: str) -> float:
    """Newest sample timestamp remote_write has delivered (from Prometheus' own /metrics)."""
    status, body, _ = http_get(prom_url + "/metrics")
    assert status == 200
    m = re.search(rb"^prometheus_remote_storage_queue_highest_sent_timestamp_seconds{[^}]*} (\S+)$", body, re.M)
    return float(m.group(1)) if m else 0.0


def dashboard_cases() -> list[tuple[str, str, str]]:
    return [(path.stem, title, expr) for path in sorted(DASHBOARDS.glob("*.json"))
            for title, expr in dashboard_queries(load_dashboard(path))]


_RANKING = re.compile(r"\s*(topk|bottomk)\(\s*\d+\s*,\s*(.+)\)\s*$", re.S)
_THRESHOLD = re.compile(r"(.+\S)\s*(>=|<=|>|<)\s*([\d.]+)\s*$", re.S)
_OPS = {">=": float.__ge__, "<=": float.__le__, ">": float.__gt__, "<": float.__lt__}
RATE_TOLERANCE = 0.15  # how far the two engines' rate() of the same samples may be apart here


def compare(fleet: Fleet, expr: str) -> tuple[dict[Any, float], list[str]]:
    """Prometheus' answer, and what differs in VictoriaMetrics' (empty when they agree)."""
    p, v = both(fleet, expr)
    ranking = _RANKING.match(expr)
    if ranking:
        agree = same_ranking(p, v, ranking.group(1) == "topk")
    else:
        agree = set(p) == set(v) and (bool(WINDOWED.search(expr)) or all(same_value(p[k], v[k]) for k in p))
    if agree:
        return p, []
    differs = f"{expr}\n  Prometheus: {sorted(p.items())[:4]}\n  VictoriaMetrics: {sorted(v.items())[:4]}"
    if not WINDOWED.search(expr):
        return p, [differs]
    # rate() and friends: the engines compute them differently from the same samples (no
    # extrapolation to the window's edges in VictoriaMetrics), so a ranking or a threshold may
    # fall differently. Then the same series must stand behind it, and a threshold may only
    # split values that are within RATE_TOLERANCE of each other.
    threshold = _THRESHOLD.fullmatch(expr)
    inner = ranking.group(2) if ranking else threshold.group(1) if threshold else None
    if inner is None:
        return p, [differs]
    ip, iv = both(fleet, inner)
    if set(ip) != set(iv):
        return p, [f"{differs}\n  and the series behind it differ: {sorted(set(ip) ^ set(iv))[:4]}"]
    if threshold:
        op, limit = _OPS[threshold.group(2)], float(threshold.group(3))
        split = [k for k in ip if op(ip[k], limit) != op(iv[k], limit)
                 and not math.isclose(ip[k], iv[k], rel_tol=RATE_TOLERANCE)]
        if split:
            return p, [f"{differs}\n  far apart: {[(k, ip[k], iv[k]) for k in split][:4]}"]
    return p, []


@pytest.mark.timeout(180)
def test_every_dashboard_query_returns_the_same_series_from_both_per_instance(fleet: Fleet) -> None:
    problems: list[str] = []
    with_data = set()
    for instance in fleet.instances:
        variables = {"job": "sysmon", "instance": instance, "__rate_interval": RATE_INTERVAL, "__interval": "1s",
                     "__range": "1m", "datasource": "sysmon-prometheus", "root": ".*"}
        for dashboard, title, expr in dashboard_cases():
            q = substitute(expr, variables)
            assert "$" not in q, q
            p, found = compare(fleet, q)
            problems += [f"{dashboard} / {title} / {instance}: {f}" for f in found]
            if p:
                with_data.add((dashboard, title))
    assert not problems, "\n".join(problems[:20])
    # Not a comparison of empty answers: every panel has data for some instance.
    assert with_data == {(d, t) for d, t, _ in dashboard_cases()}


@pytest.mark.timeout(120)
def test_the_instance_variable_lists_the_fleet_on_both(fleet: Fleet) -> None:
    assert fleet.prom is not None and fleet.vm is not None
    for base in (fleet.prom.url, fleet.vm.url):
        status, body, _ = http_get(f"{base}/api/v1/label/instance/values?" + urllib.parse.urlencode(
            {"match[]": 'node_uname_info{job="sysmon"}', "start": f"{fleet.at - 10:.0f}", "end": f"{fleet.at:.0f}"}))
        assert status == 200 and sorted(json.loads(body)["data"]) == sorted(fleet.instances), (base, body[:500])
    # The fixture hosts differ from one another.
    totals = series(query(fleet.prom.url, 'node_memory_MemTotal_bytes{job="sysmon",env="fixture"}', fleet.at))
    assert len(set(totals.values())) == HOSTS


@pytest.mark.timeout(120)
def test_every_alert_rule_returns_the_same_series_from_both_per_instance(fleet: Fleet) -> None:
    rules = [r for path in RULES for g in yaml.safe_load(path.read_text())["groups"] for r in g["rules"]]
    assert len(rules) >= 15
    problems: list[str] = []
    firing: dict[str, set[str]] = {}
    for rule in rules:
        # The rules' windows (5m, 6h) scaled to what this test has recorded, as Grafana's
        # $__rate_interval does for the dashboards: over a window the data do not cover yet, each
        # engine's rate() guesses differently.
        expr = re.sub(r"\[\d+[smhd]\]", f"[{RATE_INTERVAL}]", rule["expr"])
        p, found = compare(fleet, expr)
        problems += [f"{rule['alert']}: {f}" for f in found]
        firing.setdefault(rule["alert"], set()).update(dict(k).get("instance", "") for k in p)
    assert not problems, "\n".join(problems[:20])
    # The fleet was built so that these fire on some hosts and not on others.
    hosts = fleet.instances[:HOSTS]
    assert firing["HostMemoryHigh"] == set(hosts[7:])
    assert firing["HostSwapHigh"] == set(hosts[5:])
    assert set(hosts[8:]) <= firing["HostLoadHigh"] and hosts[0] not in firing["HostLoadHigh"]
    assert firing["SysmonExporterDown"] == {fleet.down}


def test_fleet_figures(fleet: Fleet) -> None:
    """Series per host, samples/s per host at the default interval, bytes per sample in VictoriaMetrics."""
    assert fleet.prom is not None and fleet.vm is not None
    scraped = series(query(fleet.prom.url, 'scrape_samples_scraped{job="sysmon"}', fleet.at))
    per_host = {dict(k)["instance"]: int(v) for k, v in scraped.items() if dict(k)["instance"] != fleet.down}
    fixture = [per_host[i] for i in fleet.instances[:HOSTS]]
    real = per_host[fleet.instances[HOSTS]]
    assert min(fixture) > 50 and real > min(fixture)
    fleet.vm.force_flush()
    text = fleet.vm.own_metrics()

    def total(name: str, type_re: str) -> float:
        return sum(float(m.group(2)) for m in re.finditer(rf'^{name}{{type="([^"]+)"}} (\S+)$', text, re.M)
                   if re.fullmatch(type_re, m.group(1)))

    rows = total("vm_rows", r"storage/.*")
    storage = total("vm_data_size_bytes", r"storage/.*")
    index = total("vm_data_size_bytes", r"indexdb.*")
    assert rows > 0 and storage > 0
    figures = {
        "hosts": len(per_host),
        "series_per_fixture_host": [min(fixture), max(fixture)],
        "series_this_host": real,
        "samples_per_second_per_host_at_15s": {"fixture": round(max(fixture) / DEFAULT_SCRAPE_INTERVAL, 1),
                                               "this_host": round(real / DEFAULT_SCRAPE_INTERVAL, 1)},
        "victoriametrics_rows": int(rows),
        "victoriametrics_bytes_per_sample": round(storage / rows, 3),
        "victoriametrics_bytes_per_sample_with_index": round((storage + index) / rows, 3),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fleet.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures))
