"""The wire formats: where Alertmanager alerts are POSTed, timestamps, and the webhook message."""

from __future__ import annotations

import pytest

from exporter.alerting.engine import Alert
from exporter.alerting.notify.formats import api_target, fingerprint, rfc3339, webhook_message
from exporter.alerting.notify.state import Tracked
from exporter.config import NotifyTarget


@pytest.mark.parametrize(("configured", "posted"), [
    ("http://127.0.0.1:9093", "http://127.0.0.1:9093/api/v2/alerts"),
    ("http://127.0.0.1:9093/", "http://127.0.0.1:9093/api/v2/alerts"),
    ("https://ops.example.net/alertmanager", "https://ops.example.net/alertmanager/api/v2/alerts"),
    ("http://h:9093/api/v2/alerts", "http://h:9093/api/v2/alerts"),
])
def test_the_api_path_is_added_to_the_base_url(configured: str, posted: str) -> None:
    assert api_target(NotifyTarget(configured)).url == posted


def test_rfc3339_in_utc_with_milliseconds() -> None:
    assert rfc3339(1_700_000_000.25) == "2023-11-14T22:13:20.250Z"


def tracked(severity: str, state: str, mountpoint: str) -> Tracked:
    labels = {"alertname": "HostFilesystemAlmostFull", "instance": "h:9877", "severity": severity,
              "mountpoint": mountpoint}
    alert = Alert("filesystem", mountpoint, severity, state, 0.9, 0.85, since=10.0, started_at=20.0,
                  ended_at=30.0 if state == "resolved" else None)
    return Tracked(alert, labels, {"summary": f"{mountpoint} full", "runbook": "r"})


def test_a_webhook_message_as_alertmanager_writes_it() -> None:
    alerts = [tracked("warning", "firing", "/"), tracked("warning", "resolved", "/srv")]
    m = webhook_message("http://hook/x", alerts, "http://h:9877/", "http://h:9877/#alerts")
    assert m["version"] == "4" and m["status"] == "firing" and m["truncatedAlerts"] == 0
    assert m["groupKey"] == '{}:{alertname="HostFilesystemAlmostFull", instance="h:9877"}'
    assert m["commonLabels"] == {"alertname": "HostFilesystemAlmostFull", "instance": "h:9877", "severity": "warning"}
    assert m["commonAnnotations"] == {"runbook": "r"}
    first, second = m["alerts"]
    assert first["startsAt"] == rfc3339(20.0) and first["endsAt"] == "0001-01-01T00:00:00Z"
    assert second["status"] == "resolved" and second["endsAt"] == rfc3339(30.0)
    assert first["fingerprint"] == fingerprint(alerts[0].labels) != second["fingerprint"]
    assert len(first["fingerprint"]) == 16
