"""The exporter's own process metrics, as prometheus_client's ProcessCollector names them
(without its cost: see exporter.host.self_process)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from exporter.exposition.families import CounterFamily, GaugeFamily
from exporter.host.scalars import Scalars
from exporter.host.self_process import SelfProcess, SelfReader


class SelfCollector(Collector):
    """Our process's families, each the same object (and rendered line) as last scrape while its
    value is the same (exporter/host/scalars.py): the start time and the limits never move, the
    virtual size and open descriptors seldom do; while all are as last scrape (a frozen, compared
    SelfProcess) the very same tuple, which the encoder serves as its kept text. Every value is
    read at every scrape."""

    def __init__(self, prefix: str = "process_") -> None:
        self._prefix = prefix
        self._read = SelfReader()
        self._scalars = Scalars()
        self._last: tuple[SelfProcess, tuple[Metric, ...]] | None = None

    def collect(self) -> Iterable[Metric]:
        me = self._read()
        last = self._last
        if last is not None and last[0] == me:  # every value as last scrape: the same families
            return last[1]
        fams = tuple(self._families(me))
        self._last = (me, fams)
        return fams

    def _families(self, me: SelfProcess) -> Iterator[Metric]:
        p = self._prefix
        family = self._scalars.family
        yield family(GaugeFamily, p + "virtual_memory_bytes", "Virtual memory size in bytes.",
                     me.virtual_memory_bytes)
        yield family(GaugeFamily, p + "resident_memory_bytes", "Resident memory size in bytes.",
                     me.resident_memory_bytes)
        yield family(GaugeFamily, p + "start_time_seconds", "Start time of the process since unix epoch in seconds.",
                     me.start_time_seconds)
        yield family(CounterFamily, p + "cpu_seconds", "Total user and system CPU time spent in seconds.",
                     me.cpu_seconds)
        yield family(GaugeFamily, p + "open_fds", "Number of open file descriptors.", me.open_fds)
        yield family(GaugeFamily, p + "max_fds", "Maximum number of open file descriptors.", me.max_fds)
        # client_golang's name (prometheus_client has no such metric); dashboard 1860 draws it.
        yield family(GaugeFamily, p + "virtual_memory_max_bytes",
                     "Maximum amount of virtual memory available in bytes.", me.virtual_memory_max_bytes)
