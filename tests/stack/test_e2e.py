"""End to end with the real servers (Debian's prometheus and prometheus-alertmanager), all on 127.0.0.1:

(a) exporter → Prometheus (rules rendered by `render_rules` from the exporter's own config)
    → Alertmanager (the shipped routing) → a webhook in this process: firing, then resolved;
(b) every query of every Grafana dashboard, variables substituted, returns data from a
    Prometheus that scrapes real exporters;
(c) a fleet of three exporters found through file_sd: the overview dashboard's instance
    variable lists all three.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from exporter.alerting.rules import render_rules
from exporter.config import config_from_dict
from tests.support.procfs import make_cgroup, remove_cgroup, v2_controllers
from tests.support.servers import ExporterProcess
from tests.support.stack import (
    DASHBOARDS,
    REPO,
    Alertmanager,
    Prometheus,
    Webhook,
    dashboard_queries,
    http_get,
    load_dashboard,
    promql,
    substitute,
    wait_until,
)

pytestmark = pytest.mark.stack

RATE_INTERVAL = "15s"  # what Grafana's $__rate_interval is with 1 s scrapes: room for several samples


# --- (a) the alert pipeline ------------------------------------------------------------------


def _alertmanager_config(hook_url: str) -> dict[str, Any]:
    """The shipped alertmanager.yml, quicker and with its webhooks pointed at the test."""
    cfg = yaml.safe_load((REPO / "alertmanager" / "alertmanager.yml").read_text())
    for route in [cfg["route"], *cfg["route"].get("routes", [])]:
        route.update(group_wait="1s", group_interval="1s")
    for receiver in cfg["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = hook_url
        receiver.pop("email_configs", None)
    cfg["global"]["resolve_timeout"] = "1m"
    return cfg


def _memory_alerts(hook: Webhook, instance: str, status: str) -> list[dict[str, Any]]:
    return [a for a in hook.alerts()
            if a["labels"].get("alertname") == "HostMemoryHigh" and a["labels"].get("instance") == instance
            and a["status"] == status]


@pytest.mark.timeout(120)
def test_alert_reaches_the_webhook_and_resolves(tmp_path: Path, webhook: Webhook) -> None:
    low = {"alerts": {"memory": {"warning": 0.001, "critical": 0.999, "for": "0s"}}}
    exporter = ExporterProcess(tmp_path, low)
    am = Alertmanager(tmp_path, _alertmanager_config(webhook.url))
    rules = tmp_path / "sysmon.rules.yml"
    rules.write_text(render_rules(config_from_dict(low)))  # the exporter's config is the source of truth
    prom = Prometheus(tmp_path, {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules)],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am.port}"]}]}]},
        "scrape_configs": [{"job_name": "sysmon", "static_configs": [{"targets": [f"127.0.0.1:{exporter.port}"]}]}],
    })
    instance = f"127.0.0.1:{exporter.port}"
    try:
        exporter.start()
        am.start()
        prom.start()
        firing = wait_until(lambda: _memory_alerts(webhook, instance, "firing"), 60, 0.2,
                            what=f"HostMemoryHigh at the webhook (prometheus log: {prom.log()})")
        alert = firing[0]
        assert alert["labels"] == {"alertname": "HostMemoryHigh", "severity": "warning", "job": "sysmon",
                                   "instance": instance}
        assert instance in alert["annotations"]["summary"]
        value = re.search(r"Memory used ([\d.]+)%", alert["annotations"]["summary"])
        assert value and 0 < float(value.group(1)) < 100
        assert "warning threshold of 0.1%" in alert["annotations"]["description"]

        # Raise the threshold in the config, re-render, reload: the alert resolves.
        high = {"alerts": {"memory": {"warning": 0.999, "critical": 1.0, "for": "0s"}}}
        rules.write_text(render_rules(config_from_dict(high)))
        prom.reload()
        wait_until(lambda: _memory_alerts(webhook, instance, "resolved"), 60, 0.2, what="the resolution")
    finally:
        prom.stop()
        am.stop()
        exporter.stop()


# --- (b) and (c): a fleet of exporters found through file_sd ---------------------------------


class Fleet:
    def __init__(self, workdir: Path) -> None:
        self.scan_root = workdir / "scanroot"
        for sub, size in (("big", 300_000), ("medium", 100_000), ("small/deeper", 10_000)):
            d = self.scan_root / sub
            d.mkdir(parents=True)
            (d / "data.bin").write_bytes(b"\0" * size)
        config = {"dirsize": {"roots": [str(self.scan_root)]}}
        # A service of its own for the services panels (sysmon_cgroup_*), where this host lets us make one.
        self.service = make_cgroup("e2e.service")
        self.sleeper: subprocess.Popen[bytes] | None = None
        if not isinstance(self.service, str):
            self.sleeper = subprocess.Popen(["sleep", "600"])
            (self.service / "cgroup.procs").write_text(str(self.sleeper.pid))
        self.exporters = [ExporterProcess(workdir, config) for _ in range(3)]
        self.instances = [f"127.0.0.1:{e.port}" for e in self.exporters]
        targets = workdir / "targets"
        targets.mkdir()
        # What a user adds to prometheus/targets/: one file, three hosts.
        (targets / "fleet.yml").write_text(yaml.safe_dump([{"targets": self.instances, "labels": {"env": "test"}}]))
        self.prom = Prometheus(workdir, {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "scrape_configs": [{"job_name": "sysmon",
                                "file_sd_configs": [{"files": [str(targets / "*.yml")], "refresh_interval": "5s"}]}],
        })

    def start(self) -> None:
        for e in self.exporters:
            e.start()
        self.prom.start()

    def stop(self) -> None:
        self.prom.stop()
        for e in self.exporters:
            e.stop()
        if self.sleeper is not None:
            self.sleeper.kill()
            self.sleeper.wait()
        if not isinstance(self.service, str):
            remove_cgroup(self.service)

    def missing_on_this_host(self) -> dict[str, str]:
        """sysmon_cgroup_* families this host cannot have, and why: the services panels show
        them only where cgroup v2 is mounted and offers the controller."""
        why = {}
        # Hardware and kernel features the host-overview panels draw where the host has them.
        if not glob.glob("/sys/class/hwmon/hwmon*"):
            why["node_hwmon_"] = "no hwmon sensors on this host (a VM)"
        if not glob.glob("/sys/class/thermal/thermal_zone*"):
            why["node_thermal_zone_"] = "no thermal zones on this host"
        if not os.path.exists("/proc/pressure/irq"):
            why["node_pressure_irq_"] = "no IRQ pressure on this kernel (5.15+ with CONFIG_IRQ_TIME_ACCOUNTING)"
        if not os.path.isdir("/proc/pressure"):
            why["node_pressure_"] = "no pressure stall information on this kernel"
        controllers = v2_controllers()
        if isinstance(self.service, str):
            why["sysmon_cgroup_"] = self.service
        elif controllers is not None:
            if "memory" not in controllers:
                why["sysmon_cgroup_memory_"] = "the memory controller is not on cgroup v2 here (hybrid layout)"
            if "io" not in controllers:
                why["sysmon_cgroup_io_"] = "the io controller is not on cgroup v2 here"
        return why


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    f = Fleet(tmp_path_factory.mktemp("fleet"))
    try:
        f.start()
        yield f
    finally:
        f.stop()


def _label_values(base: str, query: str, variables: dict[str, str]) -> list[str]:
    """Grafana's label_values(selector, label) for Prometheus, as Grafana 10+ asks it."""
    m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", substitute(query, variables))
    assert m, query
    selector, label = m.groups()
    status, body, _ = http_get(f"{base}/api/v1/label/{label}/values?" + urllib.parse.urlencode({"match[]": selector}))
    assert status == 200, body
    return sorted(json.loads(body)["data"])


def _series_instances(base: str, selector: str) -> list[str]:
    """The older way Grafana resolves label_values: /api/v1/series."""
    status, body, _ = http_get(f"{base}/api/v1/series?" + urllib.parse.urlencode({"match[]": selector}))
    assert status == 200, body
    return sorted({s["instance"] for s in json.loads(body)["data"]})


@pytest.mark.timeout(90)
def test_fleet_instances_through_file_sd(fleet: Fleet) -> None:
    overview = load_dashboard(DASHBOARDS / "host-overview.json")
    variables = {v["name"]: v for v in overview["templating"]["list"]}
    jobs = wait_until(lambda: _label_values(fleet.prom.url, variables["job"]["query"]["query"], {}), 30, 0.2,
                      what="label_values(node_uname_info, job)")
    assert jobs == ["sysmon"]
    query = variables["instance"]["query"]["query"]
    got = wait_until(
        lambda: (v := _label_values(fleet.prom.url, query, {"job": "sysmon"})) == sorted(fleet.instances) and v,
        30, 0.2, what=f"three instances from {query}",
    )
    assert got == sorted(fleet.instances)
    assert _series_instances(fleet.prom.url, 'node_uname_info{job="sysmon"}') == sorted(fleet.instances)
    # the file's labels came along
    assert {r["metric"]["env"] for r in promql(fleet.prom.url, 'up{job="sysmon"}')} == {"test"}


def _dashboard_variables(fleet: Fleet) -> dict[str, str]:
    return {"job": "sysmon", "instance": fleet.instances[0], "__rate_interval": RATE_INTERVAL,
            "__interval": "1s", "__range": "1m", "datasource": "sysmon-prometheus", "root": ".*"}


def _empty_queries(fleet: Fleet, queries: list[tuple[str, str]]) -> list[str]:
    empty = []
    for title, q in queries:
        if not promql(fleet.prom.url, q):
            empty.append(f"{title}: {q}")
    return empty


@pytest.mark.timeout(100)
@pytest.mark.parametrize("name", ["host-overview", "processes", "directories", "exporter-health"])
def test_every_dashboard_query_returns_data(fleet: Fleet, name: str) -> None:
    dashboard = load_dashboard(DASHBOARDS / f"{name}.json")
    variables = _dashboard_variables(fleet)
    queries = [(t, substitute(q, variables)) for t, q in dashboard_queries(dashboard)]
    for _, q in queries:
        assert "$" not in q, f"unsubstituted variable in {q}"
    _empty_queries(fleet, queries)  # every query parses (an error fails here), data or not
    if name == "directories":
        # label_values for the root variable lists our scan root
        roots = wait_until(lambda: _label_values(
            fleet.prom.url, next(v for v in dashboard["templating"]["list"] if v["name"] == "root")["query"]["query"],
            variables), 60, 0.5, what="a scanned root")
        assert str(fleet.scan_root) in roots or str(fleet.scan_root.resolve()) in roots
    # Queries of what this host cannot have are parsed above but not asked for data.
    missing = fleet.missing_on_this_host()
    queries = [(t, q) for t, q in queries if not any(prefix in q for prefix in missing)]
    # Every query parses; rate() needs two scrapes and a scan needs to finish: poll until all have data.
    deadline = time.monotonic() + 60
    empty = _empty_queries(fleet, queries)
    while empty and time.monotonic() < deadline:
        time.sleep(0.5)
        empty = _empty_queries(fleet, queries)
    assert not empty, "queries without data:\n" + "\n".join(empty)
