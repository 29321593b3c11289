"""Self-metrics of the history store (sysmon_history_*), one of the /metrics family sources that runtime.py wires."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.metrics_core import Metric

from exporter.exposition.families import CounterFamily, GaugeFamily

if TYPE_CHECKING:  # the store loads sqlite3; only an enabled history needs it
    from exporter.history.store import HistoryStore


def history_families(store: HistoryStore | None) -> Iterator[Metric]:
    """The sysmon_history_* families; nothing when history is disabled (store is None)."""
    if store is None:
        return
    yield GaugeFamily(
        "sysmon_history_up",
        "1 when the history database is being written normally, 0 after a failed write or open.",
        value=1.0 if store.up else 0.0,
    )
    yield CounterFamily(
        "sysmon_history_write_errors",
        "Failed attempts to write a batch of samples (or to open the database) since start.",
        value=float(store.write_errors),
    )
    yield CounterFamily(
        "sysmon_history_dropped_samples",
        "Samples dropped because the writer queue was full (the oldest are dropped first).",
        value=float(store.dropped_samples),
    )
    yield GaugeFamily(
        "sysmon_history_last_write_timestamp_seconds",
        "Unix time of the last successful write to the history database (0 before the first).",
        value=float(store.last_write or 0.0),
    )
    yield GaugeFamily(
        "sysmon_history_database_size_bytes",
        "Size of the history database file plus its write-ahead log, in bytes.",
        value=float(store.size_bytes()),
    )
