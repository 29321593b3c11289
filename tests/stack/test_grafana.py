"""grafana/: provisioning and dashboards, checked statically (tests/stack/test_e2e.py runs every
dashboard query against a real Prometheus)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.support.stack import DASHBOARDS, REPO, dashboard_queries, load_dashboard, panels

pytestmark = pytest.mark.stack

FILES = sorted(DASHBOARDS.glob("*.json"))
DATASOURCE_UID = "sysmon-prometheus"


def test_datasource_and_provider_provisioning() -> None:
    ds = yaml.safe_load((REPO / "grafana/provisioning/datasources/prometheus.yml").read_text())
    (prom,) = [d for d in ds["datasources"] if d["type"] == "prometheus"]
    assert prom["uid"] == DATASOURCE_UID and prom["url"] == "http://prometheus:9090"
    prov = yaml.safe_load((REPO / "grafana/provisioning/dashboards/provider.yml").read_text())
    path = prov["providers"][0]["options"]["path"]
    grafana = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["grafana"]
    assert f"./grafana/dashboards:{path}:ro" in grafana["volumes"]


def test_the_four_dashboards_exist_with_unique_uids() -> None:
    names = {f.name for f in FILES}
    assert names == {"host-overview.json", "processes.json", "directories.json", "exporter-health.json"}
    uids = [load_dashboard(f)["uid"] for f in FILES]
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_variables(path: Any) -> None:
    d = load_dashboard(path)
    variables = {v["name"]: v for v in d["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    assert variables["datasource"]["current"]["value"] == DATASOURCE_UID
    assert variables["job"]["query"]["query"] == "label_values(node_uname_info, job)"
    assert variables["instance"]["query"]["query"] == 'label_values(node_uname_info{job="$job"}, instance)'
    for v in variables.values():
        if v["type"] == "query":
            assert v["datasource"]["uid"] == "${datasource}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_panels(path: Any) -> None:
    d = load_dashboard(path)
    ps = panels(d)
    assert ps
    for p in ps:
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
        assert p.get("targets"), p["title"]
        for t in p["targets"]:
            assert t["datasource"]["uid"] == "${datasource}"
            expr = t["expr"]
            # Every range function over a counter uses Grafana's $__rate_interval, never a fixed window.
            for window in re.findall(r"\b(?:rate|irate|increase)\([^\[]*\[([^\]]+)\]", expr):
                assert window == "$__rate_interval", (p["title"], expr)
            if "$instance" not in expr:
                assert "$job" in expr, (p["title"], expr)
    # No two panels overlap on the 24-column grid.
    cells: dict[tuple[int, int], str] = {}
    for p in d["panels"]:
        g = p["gridPos"]
        assert 0 <= g["x"] and g["x"] + g["w"] <= 24, p["title"]
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, f"{p['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = p["title"]


@pytest.mark.parametrize(("name", "metrics"), [
    ("host-overview.json", ["node_cpu_seconds_total", "node_load1", "node_memory_MemAvailable_bytes",
                            "node_memory_SwapFree_bytes", "node_filesystem_avail_bytes", "node_disk_read_bytes_total",
                            "node_network_receive_bytes_total", "node_boot_time_seconds",
                            "node_pressure_cpu_waiting_seconds_total", "node_hwmon_temp_celsius",
                            "node_timex_offset_seconds", "node_timex_sync_status"]),
    ("processes.json", ["sysmon_process_group_cpu_seconds_total", "sysmon_process_group_resident_memory_bytes",
                        "sysmon_cgroup_cpu_usage_seconds_total", "sysmon_cgroup_memory_current_bytes",
                        "sysmon_cgroup_io_read_bytes_total", "sysmon_cgroup_pressure_io_waiting_seconds_total"]),
    ("directories.json", ["sysmon_directory_size_bytes", "sysmon_directory_scan_success",
                          "sysmon_directory_scan_last_success_timestamp_seconds"]),
    ("exporter-health.json", ["node_scrape_collector_duration_seconds", "node_scrape_collector_success", "up{"]),
])
def test_dashboards_show_their_subject(name: str, metrics: list[str]) -> None:
    exprs = " ".join(e for _, e in dashboard_queries(load_dashboard(DASHBOARDS / name)))
    for m in metrics:
        assert m in exprs, f"{name} does not query {m}"


def test_cpu_panel_matches_the_alert_formula() -> None:
    exprs = [e for t, e in dashboard_queries(load_dashboard(DASHBOARDS / "host-overview.json")) if t == "CPU busy"]
    assert exprs and all('mode=~"idle|iowait"' in e and e.startswith("1 - sum by (instance) (rate(") for e in exprs)
