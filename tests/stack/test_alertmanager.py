"""alertmanager/alertmanager.yml: valid for amtool, routes by severity, and its inhibition
rules behave in a real Alertmanager (critical hides its warning twin, nothing else)."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.stack import REPO, Alertmanager, run_tool, wait_until

pytestmark = pytest.mark.stack

CONFIG = REPO / "alertmanager" / "alertmanager.yml"


def test_amtool_check_config(amtool: str) -> None:
    r = run_tool([amtool, "check-config", str(CONFIG)])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout


@pytest.mark.parametrize(("labels", "receiver"), [
    (["severity=critical", "alertname=HostCpuHigh", "instance=a:9877"], "critical"),
    (["severity=warning", "alertname=HostCpuHigh", "instance=a:9877"], "default"),
    (["alertname=Whatever"], "default"),
])
def test_routes_by_severity(amtool: str, labels: list[str], receiver: str) -> None:
    r = run_tool([amtool, "config", "routes", "test", f"--config.file={CONFIG}", *labels])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split() == [receiver]


def test_structure() -> None:
    cfg = yaml.safe_load(CONFIG.read_text())
    assert cfg["route"]["group_by"] == ["alertname", "instance"]
    inhibit = cfg["inhibit_rules"][0]
    assert inhibit["source_matchers"] == ['severity="critical"']
    assert inhibit["target_matchers"] == ['severity="warning"']
    assert {"alertname", "instance"} <= set(inhibit["equal"])
    hooks = [w for r in cfg["receivers"] for w in r.get("webhook_configs", [])]
    assert hooks and all(w["send_resolved"] for w in hooks)
    assert "# email_configs:" in CONFIG.read_text()


def _alert(name: str, severity: str, instance: str, **labels: str) -> dict[str, Any]:
    return {"labels": {"alertname": name, "severity": severity, "instance": instance, "job": "sysmon", **labels},
            "annotations": {"summary": "test"}, "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def test_critical_inhibits_its_warning_twin_only(tmp_path: Path) -> None:
    cfg = yaml.safe_load(CONFIG.read_text())
    # Same routing and inhibition, but quick, and receivers that go nowhere.
    for route in [cfg["route"], *cfg["route"]["routes"]]:
        route["group_wait"] = "1s"
    for r in cfg["receivers"]:
        r.pop("webhook_configs", None)
        r.pop("email_configs", None)
    am = Alertmanager(tmp_path, cfg).start()
    try:
        alerts = [
            _alert("HostMemoryHigh", "critical", "a:9877"),
            _alert("HostMemoryHigh", "warning", "a:9877"),   # inhibited by the critical above
            _alert("HostMemoryHigh", "warning", "b:9877"),   # another host
            _alert("HostCpuHigh", "warning", "a:9877"),      # another alert
            _alert("HostFilesystemAlmostFull", "critical", "a:9877", mountpoint="/"),
            _alert("HostFilesystemAlmostFull", "warning", "a:9877", mountpoint="/"),      # inhibited
            _alert("HostFilesystemAlmostFull", "warning", "a:9877", mountpoint="/home"),  # another filesystem
        ]
        req = urllib.request.Request(am.url + "/api/v2/alerts", data=json.dumps(alerts).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 200

        def states() -> dict[tuple[str, str, str, str], str] | None:
            with urllib.request.urlopen(am.url + "/api/v2/alerts", timeout=5) as r:
                got = json.loads(r.read())
            if len(got) < len(alerts):
                return None
            return {(a["labels"]["alertname"], a["labels"]["severity"], a["labels"]["instance"],
                     a["labels"].get("mountpoint", "")): a["status"]["state"] for a in got}

        def settled() -> dict[tuple[str, str, str, str], str] | None:
            s = states()
            return s if s and s[("HostMemoryHigh", "warning", "a:9877", "")] == "suppressed" else None

        got = wait_until(settled, 20, 0.2, what="the warning twin to be inhibited")
        assert got == {
            ("HostMemoryHigh", "critical", "a:9877", ""): "active",
            ("HostMemoryHigh", "warning", "a:9877", ""): "suppressed",
            ("HostMemoryHigh", "warning", "b:9877", ""): "active",
            ("HostCpuHigh", "warning", "a:9877", ""): "active",
            ("HostFilesystemAlmostFull", "critical", "a:9877", "/"): "active",
            ("HostFilesystemAlmostFull", "warning", "a:9877", "/"): "suppressed",
            ("HostFilesystemAlmostFull", "warning", "a:9877", "/home"): "active",
        }
    finally:
        am.stop()
