"""Alerts that reach someone without a Prometheus: Alertmanager (API v2) and plain webhooks.

Modules: `labels` (the labels and annotations the bundled Prometheus rules give the same condition),
`formats` (Alertmanager's API v2 alert and webhook JSON), `http` (one authenticated JSON POST),
`receivers` (counts, outage logging, back-off), `state` (what survives a restart: history table or
a JSON file), `notifier` (the Sampler subscriber and its thread), `families` (sysmon_notifications_*).

Wiring (exporter.runtime.build_runtime), when ``alerts.notify`` names a receiver or history is on::

    notifier = build_notifier(config, alerts, history_path)   # restores the engine's alerts
    sampler.subscribe(alerts.on_reading)
    sampler.subscribe(notifier.on_reading)                     # after the engine
    # /metrics: notify_families(notifier) when it has receivers; start: notifier.start(); stop: notifier.close()
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

from exporter.alerting.engine import AlertEngine
from exporter.alerting.notify.families import notify_families
from exporter.alerting.notify.labels import Labeller
from exporter.alerting.notify.notifier import Notifier, Transport
from exporter.alerting.notify.state import FileState, SqliteState, StateStore
from exporter.config import Config, parse_listen

__all__ = ["Notifier", "build_notifier", "default_instance", "notify_families"]

STATE_FILENAME = "alert-state.json"


def default_instance(config: Config) -> str:
    """``<hostname>:<port>``: what a Prometheus scraping this exporter would call it (its target)."""
    return f"{socket.gethostname()}:{parse_listen(config.web.listen)[1]}"


def state_store(config: Config, history_path: Path | None) -> StateStore:
    """The history database when history is on, else the state file."""
    if history_path is not None:
        return SqliteState(history_path)
    n = config.alerts.notify
    return FileState(Path(n.state_file).expanduser() if n.state_file else config.data_path() / STATE_FILENAME)


def build_notifier(
    config: Config, engine: AlertEngine, history_path: Path | None = None, *, transport: Transport | None = None,
    clock: Callable[[], float] = time.time, interval: float = 0.0,
) -> Notifier | None:
    """The notifier for `config`, not started; None when there is neither a receiver nor a history
    database (with history on and no receiver it only keeps the alert state, so the page's alerts
    survive a restart too). `interval` is the longest gap between Readings (the runtime's ticker
    period), Prometheus' evaluation interval. `transport` replaces the HTTP POST (tests record
    instead), `clock` the thread's wall clock."""
    n = config.alerts.notify
    if not n.alertmanagers and not n.webhooks and history_path is None:
        return None
    instance = n.labels.get("instance") or default_instance(config)
    labeller = Labeller(config, instance, n.external_url or f"http://{instance}/")
    state = state_store(config, history_path)
    if transport is None:
        return Notifier(engine, labeller, n, state, clock=clock, interval=interval)
    return Notifier(engine, labeller, n, state, clock=clock, interval=interval, transport=transport)
