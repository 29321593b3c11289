"""The embedded mode's alerts through a real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1,
routed by the bundled alertmanager/alertmanager.yml (times shortened, receivers pointed at a webhook in this
process): delivered once, repeated per repeat_interval, resolved, silenced with amtool, and not
re-notified across an exporter restart.

The exporter side is the real engine and notifier (its thread, real HTTP), fed hand-built Readings: the
condition comes from the test, not from this host. Alertmanager keeps wall-clock time, so the Readings
carry time.time() and the tests poll with deadlines while they feed them.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from exporter.alerting.engine import AlertEngine
from exporter.alerting.notify import Notifier, build_notifier
from exporter.alerting.notify.formats import rfc3339
from exporter.config import Config
from tests.support.notify import notify_config, reading
from tests.support.stack import REPO, Alertmanager, Webhook, run_tool, wait_until

pytestmark = pytest.mark.stack

RESEND = "1s"  # endsAt = now + 4 s: an alert we stop sending expires in Alertmanager within seconds


def bundled_config(webhook: Webhook, repeat_interval: str) -> dict[str, Any]:
    """alertmanager/alertmanager.yml, unchanged but for its times and its receivers' URLs."""
    cfg = yaml.safe_load((REPO / "alertmanager" / "alertmanager.yml").read_text())
    for route in [cfg["route"], *cfg["route"].get("routes", [])]:
        route.update(group_wait="1s", group_interval="1s", repeat_interval=repeat_interval)
    for receiver in cfg["receivers"]:
        receiver.pop("email_configs", None)
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = webhook.url
    return cfg


class Exporter:
    """The engine and the notifier as the runtime wires them, with its thread; `feed` is one Reading."""

    def __init__(self, config: Config) -> None:
        self.engine = AlertEngine(config.alerts)
        notifier = build_notifier(config, self.engine)
        assert notifier is not None
        self.notifier: Notifier = notifier
        self.notifier.start()
        self.seq = 0

    def feed(self, memory: float, swap: float = 0.0, at: float | None = None) -> float:
        self.seq += 1
        t = time.time() if at is None else at
        r = reading(self.seq, t, memory, swap)
        self.engine.on_reading(r)
        self.notifier.on_reading(r)
        return t

    def stop(self) -> None:
        self.notifier.close()


@pytest.fixture
def stack(tmp_path: Path, webhook: Webhook, request: pytest.FixtureRequest) -> Iterator[tuple[Alertmanager, str]]:
    repeat = getattr(request, "param", "3s")
    am = Alertmanager(tmp_path, bundled_config(webhook, repeat)).start()
    yield am, am.url  # the base URL, as a user configures it
    am.stop()


def firing(webhook: Webhook, name: str, status: str = "firing") -> list[dict[str, Any]]:
    return [n for n in list(webhook.notifications)
            if n["status"] == status and n["groupLabels"].get("alertname") == name]


def am_alerts(am: Alertmanager) -> list[dict[str, Any]]:
    with urllib.request.urlopen(am.url + "/api/v2/alerts", timeout=5) as r:
        return json.loads(r.read())


def feeding(exporter: Exporter, check: Any, **levels: float) -> Any:
    """A check for wait_until that feeds one Reading per poll, as the exporter's ticker would."""
    def poll() -> Any:
        exporter.feed(**levels)
        return check()
    return poll


def test_delivered_once_repeated_per_repeat_interval_then_resolved(
    tmp_path: Path, stack: tuple[Alertmanager, str], webhook: Webhook
) -> None:
    am, api = stack
    exporter = Exporter(notify_config(tmp_path, alertmanagers=(api,), resend_delay=RESEND))
    try:
        fired = exporter.feed(memory=0.6)
        first = wait_until(feeding(exporter, lambda: firing(webhook, "HostMemoryHigh"), memory=0.6), 20, 0.2,
                           what="the first notification")
        t_first = time.monotonic()
        (alert,) = first[0]["alerts"]
        assert alert["labels"] == {"alertname": "HostMemoryHigh", "severity": "warning", "instance": "host-a:9877",
                                   "job": "sysmon", "monitor": "test"}
        assert alert["startsAt"].startswith(rfc3339(fired)[:19])  # the time it began firing here
        assert alert["annotations"]["summary"] == "Memory used 60% on host-a:9877"
        assert alert["generatorURL"] == "http://host-a:9877/#alerts"
        assert first[0]["receiver"] == "default"  # the bundled route for a warning

        wait_until(feeding(exporter, lambda: len(firing(webhook, "HostMemoryHigh")) >= 2, memory=0.6), 20, 0.2,
                   what="the repeat after repeat_interval")
        assert time.monotonic() - t_first >= 3 - 0.5  # not before repeat_interval: once, then the repeat
        assert {n["alerts"][0]["startsAt"] for n in firing(webhook, "HostMemoryHigh")} == {alert["startsAt"]}

        cleared = exporter.feed(memory=0.1)
        (done,) = wait_until(feeding(exporter, lambda: firing(webhook, "HostMemoryHigh", "resolved"), memory=0.1),
                             20, 0.2, what="the resolve")
        assert done["alerts"][0]["endsAt"].startswith(rfc3339(cleared)[:19])
        sent = exporter.notifier.alertmanagers[0]
        assert sent.sent >= 3 and sent.failed == 0
    finally:
        exporter.stop()


def test_a_silence_added_with_amtool_holds_the_notification(
    tmp_path: Path, stack: tuple[Alertmanager, str], webhook: Webhook, amtool: str
) -> None:
    am, api = stack
    r = run_tool([amtool, "silence", "add", "alertname=HostSwapHigh", "--comment=maintenance", "--author=test",
                  "--duration=1h", f"--alertmanager.url={am.url}"])
    assert r.returncode == 0, r.stdout + r.stderr
    exporter = Exporter(notify_config(tmp_path, alertmanagers=(api,), resend_delay=RESEND))
    try:
        wait_until(feeding(exporter, lambda: firing(webhook, "HostMemoryHigh"), memory=0.6, swap=0.15), 20, 0.2,
                   what="the unsilenced alert, sent in the same batches")

        def swap_silenced() -> bool:
            got = [a for a in am_alerts(am) if a["labels"]["alertname"] == "HostSwapHigh"]
            return bool(got) and got[0]["status"]["state"] == "suppressed" and bool(got[0]["status"]["silencedBy"])

        assert wait_until(swap_silenced, 10, 0.2, what="Alertmanager to hold the swap alert as silenced")
        # two more group intervals of sending: still nothing about swap
        deadline = time.monotonic() + 2.5
        wait_until(feeding(exporter, lambda: time.monotonic() >= deadline, memory=0.6, swap=0.15), 10, 0.2)
        assert firing(webhook, "HostSwapHigh") == []
    finally:
        exporter.stop()


@pytest.mark.parametrize("stack", ["1h"], indirect=True)
def test_a_restart_does_not_notify_again(tmp_path: Path, stack: tuple[Alertmanager, str], webhook: Webhook) -> None:
    """`for: 10s`: without the kept state the restarted exporter would hold the alert pending for 10 s, and
    Alertmanager, no longer hearing of it, would resolve it after endsAt (4 s) and notify that."""
    am, api = stack
    cfg = notify_config(tmp_path, alertmanagers=(api,), resend_delay=RESEND, alerts={"memory": {"for": "10s"}})
    before = Exporter(cfg)
    now = time.time()
    before.feed(memory=0.6, at=now - 10)  # pending since 10 s ago (the Readings' clock is the test's)
    before.feed(memory=0.6, at=now)  # firing now
    wait_until(feeding(before, lambda: firing(webhook, "HostMemoryHigh"), memory=0.6), 20, 0.2,
               what="the first notification")
    before.stop()
    starts = [a["startsAt"] for a in am_alerts(am)]

    after = Exporter(cfg)  # same data directory: the state file
    try:
        assert [a.state for a in after.engine.active()] == ["firing"]
        deadline = time.monotonic() + 4 * 1 + 3  # past endsAt, plus group intervals
        wait_until(feeding(after, lambda: time.monotonic() >= deadline, memory=0.6), 20, 0.2)
        assert [n["status"] for n in webhook.notifications] == ["firing"]  # no resolve, no new firing
        assert [a["startsAt"] for a in am_alerts(am)] == starts
        assert all(a["status"]["state"] == "active" for a in am_alerts(am))
    finally:
        after.stop()
