"""A real Prometheus (Debian's package) scrapes the exporter; PromQL over our metrics returns data."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from tests.support.servers import http_get, start_prometheus, wait_until
from tests.support.stack import Prometheus

pytestmark = pytest.mark.integration


def query(prom: str, expr: str) -> list[dict]:
    status, body, _ = http_get(f"{prom}/api/v1/query?query={urllib.parse.quote(expr)}")
    assert status == 200, body
    return json.loads(body)["data"]["result"]


def test_prometheus_scrapes_and_queries(exporter_proc, tmp_path: Path) -> None:
    exp = exporter_proc()
    prom, url = start_prometheus(tmp_path, [f"127.0.0.1:{exp.port}"])
    try:
        up = wait_until(lambda: [r for r in query(url, "up") if r["value"][1] == "1"], 30, 0.2, what="up == 1")
        assert up[0]["metric"]["instance"] == f"127.0.0.1:{exp.port}"
        # A rate needs two scrapes.
        busy = wait_until(
            lambda: query(url, '1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5s]))'), 30, 0.2, what="cpu rate"
        )
        assert 0 <= float(busy[0]["value"][1]) <= 1
        mem = query(url, "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes")
        assert 0 < float(mem[0]["value"][1]) < 1
        groups = query(url, "topk(3, sysmon_process_group_resident_memory_bytes)")
        assert groups and all("groupname" in r["metric"] for r in groups)
        # Every collector succeeds, but those whose files this host lacks (no hwmon, no EDAC...).
        ok = query(url, "min(node_scrape_collector_success unless on (collector) sysmon_collector_unavailable == 1)")
        assert ok[0]["value"][1] == "1"
        # Prometheus found no scrape problems (sample limit, duplicate series, bad exposition).
        status, body, _ = http_get(f"{url}/api/v1/targets")
        target = json.loads(body)["data"]["activeTargets"][0]
        assert target["health"] == "up" and target["lastError"] == ""
    finally:
        prom.stop()


def test_a_scrape_config_selects_collectors_with_params(
    exporter_proc, tmp_path: Path
) -> None:
    """node_exporter's per-job selection: a scrape config's `params: {collect[]: [...]}` (Prometheus sends
    it percent-encoded) gets those collectors' series only; another job on the same exporter gets all."""
    exp = exporter_proc()
    target = f"127.0.0.1:{exp.port}"
    prom = Prometheus(tmp_path, {
        "global": {"scrape_interval": "1s"},
        "scrape_configs": [
            {"job_name": "selected", "params": {"collect[]": ["loadavg", "meminfo"]},
             "static_configs": [{"targets": [target]}]},
            {"job_name": "all", "static_configs": [{"targets": [target]}]},
        ],
    }).start()
    try:
        wait_until(lambda: len([r for r in prom.query("up") if r["value"][1] == "1"]) == 2, 30, 0.2, what="both up")
        names = {r["metric"]["__name__"] for r in prom.query('count by (__name__) ({job="selected"})')}
        node = {n for n in names if n.startswith("node_") and not n.startswith("node_scrape_")}
        assert "node_load1" in node and "node_memory_MemTotal_bytes" in node
        assert all(n.startswith(("node_load", "node_memory_")) for n in node), sorted(node)
        collectors = {r["metric"]["collector"] for r in prom.query('node_scrape_collector_success{job="selected"}')}
        assert collectors == {"loadavg", "meminfo"}
        assert prom.query('node_cpu_seconds_total{job="all"}')
    finally:
        prom.stop()
