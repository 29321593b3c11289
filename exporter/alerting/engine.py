"""Threshold alerts for the page, evaluated on the server.

Each (resource, instance, severity) behaves like one Prometheus alerting rule:
pending while the value is at or above the threshold, firing once it has been
so for `for`, resolved when it falls below threshold × (1 - hysteresis), so a
value hovering at the line does not flap. The same thresholds generate the
Prometheus rules (see rules.py), so the page and Alertmanager agree.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, replace

from exporter.config import AlertsConfig, Threshold
from exporter.sampling.rates import Rates
from exporter.sampling.reading import Reading
from exporter.sampling.snapshot import Snapshot

SEVERITIES = ("warning", "critical")


@dataclass(frozen=True)
class Alert:
    resource: str  # cpu, memory, swap, filesystem, load_per_core
    instance: str  # "" or the mountpoint
    severity: str
    state: str  # pending, firing, resolved
    value: float
    threshold: float
    since: float  # when the condition started to hold
    started_at: float | None = None  # when it began firing
    ended_at: float | None = None
    peak: float = 0.0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.resource, self.instance, self.severity)

    def describe(self) -> str:
        what = {"cpu": "CPU", "memory": "Memory", "swap": "Swap", "load_per_core": "Load per core"}.get(
            self.resource, f"Filesystem {self.instance}"
        )
        if self.resource == "load_per_core":
            return f"{what} {self.value:.2f} ≥ {self.threshold:.2f}"
        return f"{what} {self.value * 100:.1f}% ≥ {self.threshold * 100:.0f}%"

    def to_json(self) -> dict[str, object]:
        return {
            "resource": self.resource,
            "instance": self.instance,
            "severity": self.severity,
            "state": self.state,
            "value": self.value,
            "threshold": self.threshold,
            "since": self.since,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "peak": self.peak,
            "message": self.describe(),
        }


def measure(snapshot: Snapshot, rates: Rates) -> list[tuple[str, str, float]]:
    """(resource, instance, value) for every resource that has a value in this snapshot."""
    values: list[tuple[str, str, float]] = []
    if rates.cpu_percent is not None:
        values.append(("cpu", "", rates.cpu_percent / 100.0))
    mem = snapshot.memory
    if mem is not None and mem.total:
        values.append(("memory", "", mem.used / mem.total))
        if mem.swap_total:
            values.append(("swap", "", mem.swap_used / mem.swap_total))
    for fs in snapshot.filesystems or ():
        if not fs.error and fs.size:
            values.append(("filesystem", fs.mountpoint, fs.used_ratio))
    if snapshot.load is not None and snapshot.cpu is not None and snapshot.cpu.count:
        values.append(("load_per_core", "", snapshot.load.load1 / snapshot.cpu.count))
    return values


class AlertEngine:
    """Holds alert state between snapshots; thread-safe; time comes from the snapshots."""

    def __init__(self, config: AlertsConfig) -> None:
        self._config = config
        self._active: dict[tuple[str, str, str], Alert] = {}
        self._log: deque[Alert] = deque(maxlen=config.log_size)
        self._lock = threading.Lock()
        self._last_seq = -1

    def on_reading(self, reading: Reading) -> None:
        """Advance the alerts with a new Reading (a Sampler subscriber)."""
        self.evaluate(reading.cur, reading.rates)

    def evaluate(self, snapshot: Snapshot, rates: Rates) -> None:
        now = snapshot.timestamp
        with self._lock:
            if snapshot.seq and snapshot.seq <= self._last_seq:
                return  # already seen
            self._last_seq = snapshot.seq
            seen: set[tuple[str, str, str]] = set()
            for resource, instance, value in measure(snapshot, rates):
                threshold: Threshold = getattr(self._config, resource)
                for severity in SEVERITIES:
                    level = getattr(threshold, severity)
                    key = (resource, instance, severity)
                    seen.add(key)
                    self._step(key, value, level, float(threshold.for_), now)
            # A resource that vanished (unmounted filesystem, swap turned off) resolves its alerts.
            for key in list(self._active):
                if key not in seen:
                    self._resolve(key, now)

    def _step(self, key: tuple[str, str, str], value: float, level: float, hold: float, now: float) -> None:
        alert = self._active.get(key)
        if alert is None:
            if value >= level:
                alert = Alert(*key, state="pending", value=value, threshold=level, since=now, peak=value)
                self._active[key] = alert
                self._maybe_fire(key, alert, hold, now)
            return
        clear_below = level * (1.0 - self._config.hysteresis) if alert.state == "firing" else level
        if value < clear_below:
            self._resolve(key, now)
            return
        alert = replace(alert, value=value, peak=max(alert.peak, value))
        self._active[key] = alert
        self._maybe_fire(key, alert, hold, now)

    def _maybe_fire(self, key: tuple[str, str, str], alert: Alert, hold: float, now: float) -> None:
        if alert.state == "pending" and now - alert.since >= hold:
            firing = replace(alert, state="firing", started_at=now)
            self._active[key] = firing
            self._log.append(firing)

    def _resolve(self, key: tuple[str, str, str], now: float) -> None:
        alert = self._active.pop(key)
        if alert.state != "firing":
            return  # a pending alert that never fired leaves no trace
        resolved = replace(alert, state="resolved", ended_at=now)
        for i in range(len(self._log) - 1, -1, -1):
            if self._log[i].key == key and self._log[i].ended_at is None:
                self._log[i] = resolved
                break
        else:
            self._log.append(resolved)

    def firing(self) -> list[Alert]:
        """Active firing alerts, critical first; a warning hidden by its critical twin."""
        with self._lock:
            alerts = [a for a in self._active.values() if a.state == "firing"]
        critical = {(a.resource, a.instance) for a in alerts if a.severity == "critical"}
        shown = [a for a in alerts if a.severity == "critical" or (a.resource, a.instance) not in critical]
        return sorted(shown, key=lambda a: (a.severity != "critical", a.resource, a.instance))

    def active(self) -> list[Alert]:
        """Every pending and firing alert, warning twins included (what the notifier sends; Alertmanager
        inhibits, the page hides)."""
        with self._lock:
            return list(self._active.values())

    def restore(self, alerts: list[Alert]) -> None:
        """Take up pending and firing alerts kept across a restart (exporter.alerting.notify.state), so that
        a firing alert keeps its start and a pending one its `for` clock; the next Reading resolves
        what has cleared meanwhile."""
        with self._lock:
            for alert in alerts:
                if alert.state in ("pending", "firing") and alert.key not in self._active:
                    self._active[alert.key] = alert
                    if alert.state == "firing":
                        self._log.append(alert)

    def pending(self) -> list[Alert]:
        with self._lock:
            return [a for a in self._active.values() if a.state == "pending"]

    def log(self) -> list[Alert]:
        """Firing and resolved alerts, newest first, with the live value of active ones."""
        with self._lock:
            live = {k: a for k, a in self._active.items() if a.state == "firing"}
            entries = []
            for entry in reversed(self._log):
                current = live.get(entry.key) if entry.ended_at is None else None
                entries.append(current or entry)
            return entries

    def to_json(self) -> dict[str, object]:
        return {
            "firing": [a.to_json() for a in self.firing()],
            "pending": [a.to_json() for a in self.pending()],
            "log": [a.to_json() for a in self.log()],
        }
