"""sysmon_notifications_* : what the notifier has sent, what failed, what it had to drop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.metrics_core import Metric

from exporter.exposition.families import CounterFamily, GaugeFamily

if TYPE_CHECKING:
    from exporter.alerting.notify.notifier import Notifier


def notify_families(notifier: Notifier) -> Iterator[Metric]:
    """Counters per receiver (its URL without query string, from the configuration: bounded)."""
    sent = CounterFamily(
        "sysmon_notifications_sent_total",
        "Notifications (POST requests) a receiver accepted: Alertmanager alert batches or webhook messages.",
        labels=["receiver"],
    )
    failed = CounterFamily(
        "sysmon_notifications_failed_total",
        "Notifications (POST requests) that failed: no answer, an error status or a timeout.",
        labels=["receiver"],
    )
    for r in notifier.receivers():
        sent.add_metric([r.name], float(r.sent))
        failed.add_metric([r.name], float(r.failed))
    yield sent
    yield failed
    yield CounterFamily(
        "sysmon_notifications_dropped_total",
        "Alertmanager batches dropped because the notifier's queue was full (the oldest go first).",
        value=float(notifier.dropped),
    )
    yield GaugeFamily(
        "sysmon_notifications_queue_length", "Alertmanager batches waiting to be sent.",
        value=float(notifier.queue_length()),
    )
    yield _alerts(notifier)


def _alerts(notifier: Notifier) -> Metric:
    fam = GaugeFamily(
        "sysmon_notifications_alerts", "Alerts the notifier follows, by state (resolved ones until delivered).",
        labels=["state"],
    )
    counts = {"pending": 0, "firing": 0, "resolved": 0}
    for t in notifier.tracked():
        counts[t.alert.state] = counts.get(t.alert.state, 0) + 1
    for state, n in counts.items():
        fam.add_metric([state], float(n))
    return fam
