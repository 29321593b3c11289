"""The two wire formats: an alert of Alertmanager's API v2 (what Prometheus POSTs to /api/v2/alerts) and a
notification of Alertmanager's webhook receiver (what a webhook gets from Alertmanager, version 4)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from exporter.alerting.notify.state import Tracked
from exporter.config import NotifyTarget

API_PATH = "/api/v2/alerts"


def api_target(target: NotifyTarget) -> NotifyTarget:
    """The configured Alertmanager (its base URL, as in Prometheus' alertmanagers: config) → where alerts
    are POSTed; a URL that already ends in /api/v2/alerts is taken as it is."""
    base = target.url.split("?", 1)[0].rstrip("/")
    return target if base.endswith(API_PATH) else replace(target, url=base + API_PATH)


def rfc3339(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def starts_at(t: Tracked) -> float:
    """When the alert began firing (Prometheus' FiredAt), which is what Alertmanager is told."""
    a = t.alert
    return a.started_at if a.started_at is not None else a.since


def api_alert(t: Tracked, ends_at: float, generator_url: str) -> dict[str, Any]:
    """One alert for POST /api/v2/alerts: endsAt in the future while firing (it expires unless re-sent),
    the resolve time once resolved."""
    return {
        "labels": t.labels,
        "annotations": t.annotations,
        "startsAt": rfc3339(starts_at(t)),
        "endsAt": rfc3339(ends_at),
        "generatorURL": generator_url,
    }


def fingerprint(labels: dict[str, str]) -> str:
    """16 hex digits identifying a label set (Alertmanager's fingerprints are as long)."""
    text = "\xff".join(f"{k}\xfe{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def group_key(t: Tracked) -> tuple[str, str]:
    """Webhook notifications are grouped like the bundled Alertmanager route: by alert name and host."""
    return (t.labels.get("alertname", ""), t.labels.get("instance", ""))


def webhook_message(receiver: str, alerts: Sequence[Tracked], external_url: str, generator_url: str
                    ) -> dict[str, Any]:
    """Alertmanager's webhook JSON (version 4) for one group of alerts, as its receivers expect it."""
    items = []
    for t in alerts:
        resolved = t.alert.state == "resolved"
        items.append({
            "status": "resolved" if resolved else "firing",
            "labels": t.labels,
            "annotations": t.annotations,
            "startsAt": rfc3339(starts_at(t)),
            "endsAt": rfc3339(t.alert.ended_at) if resolved and t.alert.ended_at else "0001-01-01T00:00:00Z",
            "generatorURL": generator_url,
            "fingerprint": fingerprint(t.labels),
        })
    common_labels = dict(alerts[0].labels) if alerts else {}
    common_annotations = dict(alerts[0].annotations) if alerts else {}
    for t in alerts[1:]:
        common_labels = {k: v for k, v in common_labels.items() if t.labels.get(k) == v}
        common_annotations = {k: v for k, v in common_annotations.items() if t.annotations.get(k) == v}
    name, instance = group_key(alerts[0]) if alerts else ("", "")
    group_labels = {k: v for k, v in (("alertname", name), ("instance", instance)) if v}
    return {
        "version": "4",
        "groupKey": "{}:{" + ", ".join(f'{k}="{v}"' for k, v in sorted(group_labels.items())) + "}",
        "truncatedAlerts": 0,
        "status": "firing" if any(i["status"] == "firing" for i in items) else "resolved",
        "receiver": receiver,
        "groupLabels": group_labels,
        "commonLabels": common_labels,
        "commonAnnotations": common_annotations,
        "externalURL": external_url,
        "alerts": items,
    }
