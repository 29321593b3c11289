"""Builds the running services from a Config and starts/stops them together."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry

from exporter.alerting.engine import AlertEngine
from exporter.config import Config
from exporter.exposition.host_families import Exposition, SnapshotCollector
from exporter.exposition.self_metrics import SelfCollector
from exporter.host.registry import HostReader
from exporter.sampling.sampler import Sampler, Ticker
from exporter.web.data_view import DataView

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    config: Config
    reader: HostReader
    sampler: Sampler
    alerts: AlertEngine
    view: DataView
    registry: CollectorRegistry
    exposition: Exposition
    collector: SnapshotCollector
    dirsize: Any = None
    history: Any = None
    _ticker: Ticker | None = field(default=None, repr=False)

    def start(self) -> None:
        """Background work: the ticker (alerts and history advance unobserved), scans, history writer."""
        if self.dirsize is not None:
            self.dirsize.start()
        period = min(10.0, float(self.config.history.sample_interval)) if self.history else 10.0
        self._ticker = Ticker(self.sampler, period)
        self._ticker.start()

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
        if self.dirsize is not None:
            self.dirsize.stop()
        if self.history is not None:
            self.history.close()
        self.reader.close()


def build_runtime(config: Config, *, history: bool = True, reader: HostReader | None = None) -> Runtime:
    """Everything wired, nothing started. `history=False` skips the database (tests, scan CLI)."""
    reader = reader or HostReader(config)
    sampler = Sampler(reader.read, max_age=float(config.sample_max_age))
    alerts = AlertEngine(config.alerts)
    view = DataView(config, sampler, alerts)
    registry = CollectorRegistry(auto_describe=True)
    collector = SnapshotCollector(config, sampler)
    registry.register(collector)
    registry.register(SelfCollector())
    exposition = Exposition(registry, sampler, collector)
    runtime = Runtime(config, reader, sampler, alerts, view, registry, exposition, collector)
    if config.dirsize.enabled:
        from exporter.dirsize.families import dirsize_families
        from exporter.dirsize.service import DirSizeService

        service = DirSizeService(config.dirsize)
        runtime.dirsize = service
        view.features["dirsize"] = {"enabled": True}
        collector.add_extra(lambda: dirsize_families(service))
    return runtime


def open_history(runtime: Runtime, *, reset: bool = False) -> None:
    """Open the SQLite history when enabled; raises HistoryError for a corrupt database."""
    from exporter.history import HistoryRecorder, history_families
    from exporter.history import open_history as open_store

    store = open_store(runtime.config, reset=reset)  # None when disabled
    if store is None:
        return
    runtime.history = store
    runtime.view.on_data = HistoryRecorder(store, float(runtime.config.history.sample_interval)).offer
    runtime.view.features["history"] = {"enabled": True}
    runtime.collector.add_extra(lambda: history_families(store))
