"""The composition root: builds every part from a Config and subscribes the consumers to the Sampler.

One Reading per collection flows one way (see README "Architecture"):

    HostReader → Sampler ─┬─▶ ProcessGroups.on_reading   (groups advance on every Reading)
                          ├─▶ Exposition.on_reading      (/metrics, after the groups)
                          ├─▶ AlertEngine.on_reading     (the page's alerts)
                          ├─▶ Notifier.on_reading        (Alertmanager / webhooks; alert state kept)
                          └─▶ HistoryRecorder.on_reading (SQLite, when history is on)
    /data: DataView reads the latest Reading and the alerts' state; it advances nothing.
"""

from __future__ import annotations

import gc
import logging
import re
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from exporter.alerting.engine import AlertEngine
from exporter.alerting.notify import Notifier, build_notifier, notify_families
from exporter.config import Config
from exporter.dirsize.families import dirsize_families
from exporter.dirsize.service import DirSizeService
from exporter.exposition.cache import Exposition, FamilySource
from exporter.exposition.self_metrics import SelfCollector
from exporter.history.families import history_families
from exporter.history.recorder import HistoryRecorder
from exporter.host.registry import HostReader
from exporter.sampling.process_groups import ProcessGroups
from exporter.sampling.sampler import Sampler, Ticker
from exporter.web.data_view import DataView

if TYPE_CHECKING:  # the store loads sqlite3; only an enabled history needs it
    from exporter.history.store import HistoryStore

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    config: Config
    reader: HostReader
    sampler: Sampler
    alerts: AlertEngine
    groups: ProcessGroups
    view: DataView
    exposition: Exposition
    dirsize: DirSizeService | None = None
    history: HistoryStore | None = None
    notifier: Notifier | None = None
    _ticker: Ticker | None = field(default=None, repr=False)

    def start(self) -> None:
        """Background work: the ticker (alerts and history advance unobserved), scans, history writer."""
        # What start-up made (modules, configuration, the first readers) lives as long as we do:
        # out of the cyclic GC's reach, every collection's garbage passes no longer walk it
        # (46,000 objects; about 0.4 ms of CPU per collection at 1,000 processes).
        gc.freeze()
        if self.dirsize is not None:
            self.dirsize.start()
        if self.notifier is not None:
            self.notifier.start()
        self._ticker = Ticker(self.sampler, ticker_period(self.config, self.history is not None))
        self._ticker.start()

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
        if self.notifier is not None:
            self.notifier.close()  # before the history closes: the state may live in its file
        if self.dirsize is not None:
            self.dirsize.stop()
        if self.history is not None:
            self.history.close()
        self.reader.close()


def ticker_period(config: Config, history: bool) -> float:
    """Seconds between the Readings taken when nobody asks (scrapes and the page add more)."""
    return min(10.0, float(config.history.sample_interval)) if history else 10.0


def build_runtime(
    config: Config, *, history: HistoryStore | None = None, reader: HostReader | None = None
) -> Runtime:
    """Everything wired, nothing started. `history` is the opened store (exporter.history.open_history),
    or None to run without one."""
    reader = reader or HostReader(config)
    top_size = max(config.processes.top_n, config.processes.table_size)
    sampler = Sampler(reader.read, max_age=float(config.sample_max_age), top_size=top_size,
                      collect_partial=partial(reader.read, partial=True))
    dirsize = DirSizeService(config.dirsize) if config.dirsize.enabled else None

    sources: list[FamilySource] = [SelfCollector().collect]
    if dirsize is not None:
        sources.append(lambda: dirsize_families(dirsize))
    if history is not None:
        sources.append(lambda: history_families(history))
    alerts = AlertEngine(config.alerts)
    notifier = build_notifier(config, alerts, history.path if history is not None else None,
                              interval=ticker_period(config, history is not None))
    if notifier is not None and notifier.receivers():
        sources.append(lambda: notify_families(notifier))
    groups = ProcessGroups(config.processes.max_groups, config.processes.group_by)
    exposition = Exposition(config.processes.top_n, groups, sources)

    sampler.subscribe(groups.on_reading)
    sampler.subscribe(exposition.on_reading)  # after the groups: it renders them as they stand
    sampler.subscribe(alerts.on_reading)
    if notifier is not None:
        sampler.subscribe(notifier.on_reading)  # after the engine: it sends what the engine decided
    if history is not None:
        recorder = HistoryRecorder(history, float(config.history.sample_interval), re.compile(config.network.page_hide))
        sampler.subscribe(recorder.on_reading)

    features = {"history": {"enabled": history is not None}, "dirsize": {"enabled": dirsize is not None}}
    view = DataView(config, sampler, alerts, features)
    return Runtime(config, reader, sampler, alerts, groups, view, exposition, dirsize, history, notifier)
