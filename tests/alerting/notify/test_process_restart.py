"""The real `sysmon-exporter serve` (fixture /proc via root_prefix, so the host does not matter) notifying a
webhook in this process, stopped with SIGTERM and started again on the same data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.servers import REPO, ExporterProcess, wait_until
from tests.support.stack import Webhook

pytestmark = pytest.mark.integration

ROOT = REPO / "tests" / "fixtures" / "root"


def config(webhook: Webhook, memory_warning: float) -> dict[str, object]:
    return {"root_prefix": str(ROOT), "alerts": {
        "memory": {"warning": memory_warning, "critical": 1.0, "for": "0s"},
        "notify": {"webhooks": [{"url": webhook.url}], "labels": {"instance": "fixture:9877"}}}}


def test_a_restart_neither_notifies_again_nor_forgets_the_resolve(tmp_path: Path) -> None:
    hook = Webhook().start()
    exporter = ExporterProcess(tmp_path, config(hook, 0.01))
    try:
        exporter.start()

        def told(status: str) -> list[dict[str, object]]:
            exporter.get("/metrics")  # a collection: the alert engine and the notifier see a Reading
            return [n for n in list(hook.notifications) if n["status"] == status]

        (firing,) = wait_until(lambda: told("firing"), 20, 0.2, what="the firing notification")
        alert = firing["alerts"][0]
        assert alert["labels"]["alertname"] == "HostMemoryHigh" and alert["labels"]["instance"] == "fixture:9877"
        exporter.stop()
        state = tmp_path / f"data-{exporter.port}" / "alert-state.json"
        assert state.is_file()

        # The same exporter started again, now with a threshold the fixture's memory stays under.
        exporter.config = config(hook, 0.99)
        exporter.start()
        (resolved,) = wait_until(lambda: told("resolved"), 20, 0.2, what="the resolve after the restart")
        assert resolved["alerts"][0]["startsAt"] == alert["startsAt"]
        assert [n["status"] for n in hook.notifications] == ["firing", "resolved"]  # no second firing
    finally:
        exporter.stop()
        hook.stop()
