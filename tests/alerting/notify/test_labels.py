"""The alerts leave with the names, labels and annotations of the bundled Prometheus rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from exporter.alerting.engine import Alert
from exporter.alerting.notify.labels import ALERT_NAMES, Filesystem, Labeller, humanize, render
from exporter.alerting.rules import JOB
from exporter.config import AlertsConfig, config_from_dict
from tests.support.servers import REPO

RULES = yaml.safe_load((REPO / "prometheus" / "rules" / "sysmon.rules.yml").read_text())
SHIPPED = {(r["alert"], r["labels"]["severity"]): r for g in RULES["groups"] for r in g["rules"]}


def test_every_resource_has_its_rule_in_both_severities() -> None:
    assert set(ALERT_NAMES) == {name for name, _ in AlertsConfig().items()}
    for name in ALERT_NAMES.values():
        assert (name, "warning") in SHIPPED and (name, "critical") in SHIPPED, name


def test_labels_of_a_host_alert_and_of_a_filesystem_alert() -> None:
    cfg = config_from_dict({"alerts": {"notify": {"labels": {"monitor": "m", "job": "nodes"}}}})
    lab = Labeller(cfg, "web-1:9877", "http://web-1:9877/")
    mem = Alert("memory", "", "critical", "firing", 0.97, 0.95, since=1.0)
    assert lab.labels(mem, None) == {"alertname": "HostMemoryHigh", "severity": "critical", "instance": "web-1:9877",
                                     "job": "nodes", "monitor": "m"}
    fs = Alert("filesystem", "/srv", "warning", "firing", 0.9, 0.85, since=1.0)
    assert lab.labels(fs, Filesystem("/dev/md0", "xfs")) == {
        "alertname": "HostFilesystemAlmostFull", "severity": "warning", "instance": "web-1:9877", "job": "nodes",
        "monitor": "m", "mountpoint": "/srv", "device": "/dev/md0", "fstype": "xfs"}
    assert JOB == "sysmon"


def test_annotations_are_the_shipped_rules_rendered(tmp_path: Path) -> None:
    lab = Labeller(config_from_dict({}), "web-1:9877", "http://web-1:9877/")
    labels = {"alertname": "HostFilesystemAlmostFull", "severity": "critical", "instance": "web-1:9877",
              "mountpoint": "/srv", "device": "/dev/md0", "fstype": "xfs"}
    got = lab.annotations(labels, 0.96789)
    assert set(got) == set(SHIPPED[("HostFilesystemAlmostFull", "critical")]["annotations"])
    assert got["summary"] == "Filesystem /srv 96.79% full on web-1:9877"
    assert got["description"].startswith("Filesystem /srv (/dev/md0, xfs) on web-1:9877 is 96.79% full")
    load = lab.annotations({"alertname": "HostLoadHigh", "severity": "warning", "instance": "h"}, 1.6666)
    assert load["summary"] == "Load per core 1.67 on h"


@pytest.mark.parametrize(("value", "text"), [(0.5, "0.5"), (96.789, "96.79"), (1234.5, "1.234k"), (2.5e9, "2.5G")])
def test_humanize_as_prometheus(value: float, text: str) -> None:
    assert humanize(value) == text


def test_an_unknown_template_is_left_visible() -> None:
    assert render("{{ $value | humanizeDuration }} on {{ $labels.x }}", {"x": "a"}, 1.0) == (
        "{{ $value | humanizeDuration }} on a")
