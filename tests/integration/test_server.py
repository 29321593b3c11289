"""The real server in a subprocess on a free loopback port."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporter.config import NetstatConfig
from tests.support.servers import http_get, require_binary, start_node_exporter

pytestmark = pytest.mark.integration


def test_metrics_parse_with_help_and_type(exporter_proc) -> None:
    exp = exporter_proc()
    status, body, headers = exp.get("/metrics")
    assert status == 200
    text = body.decode()
    families = list(text_string_to_metric_families(text))
    assert {"node_cpu_seconds", "node_memory_MemAvailable_bytes", "node_filesystem_avail_bytes",
            "node_network_receive_bytes", "node_load1", "node_uname_info", "node_scrape_collector_success",
            "sysmon_process_group_cpu_seconds", "sysmon_build_info"} <= {f.name for f in families}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            assert len(line.split(" ", 3)) == 4 and line.split(" ", 3)[3].strip(), line
    helped = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP")}
    typed = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    assert helped == typed


def lint(promtool: str, body: bytes) -> list[str]:
    r = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, timeout=30)
    return [line for line in (r.stdout + r.stderr).decode().splitlines() if line.strip()]


def test_promtool_check_metrics_finds_nothing(exporter_proc, tmp_path) -> None:
    """promtool's only remarks on us are remarks it makes on node_exporter too: the camelCase names
    node_exporter itself exports and dashboards rely on (the /proc/meminfo fields such as
    node_memory_AnonPages_bytes, the node_netstat_Tcp_InErrs family), and its *_bits entropy units."""
    promtool = require_binary("promtool", "prometheus")
    exp = exporter_proc()
    _, body, _ = exp.get("/metrics")
    findings = lint(promtool, body)
    assert any(f.startswith("node_memory_") and "camelCase" in f for f in findings), findings

    # node_exporter with today's netstat fields, which are ours (Debian's 1.5 default has fewer).
    node, url = start_node_exporter(tmp_path, f"--collector.netstat.fields={NetstatConfig().fields}")
    try:
        theirs = set(lint(promtool, http_get(url + "/metrics")[1]))
    finally:
        node.stop()
    assert set(findings) <= theirs, sorted(set(findings) - theirs)


def test_data_and_bad_input(exporter_proc) -> None:
    exp = exporter_proc()
    status, body, headers = exp.get("/data")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["cpu"]["count"] >= 1
    status, body, headers = exp.get("/data?limit=abc")
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"].startswith("unknown query parameter: limit")


def test_sigterm_stops_within_two_seconds(exporter_proc) -> None:
    exp = exporter_proc()
    exp.get("/metrics")
    took = exp.stop(signal.SIGTERM)
    assert exp.proc.returncode == 0
    assert took < 2.0, f"took {took:.2f}s"


def test_sigint_stops_cleanly(exporter_proc) -> None:
    exp = exporter_proc()
    start = time.monotonic()
    exp.stop(signal.SIGINT)
    assert exp.proc.returncode == 0 and time.monotonic() - start < 2.0
    assert "Traceback" not in exp.log_path.read_text()
