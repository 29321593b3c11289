"""The exporter's own process metrics, as prometheus_client's ProcessCollector names them
(without its cost: see exporter.host.self_process)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from exporter.exposition.families import CounterFamily, GaugeFamily
from exporter.host.self_process import SelfReader


class SelfCollector(Collector):
    def __init__(self, prefix: str = "process_") -> None:
        self._prefix = prefix
        self._read = SelfReader()

    def collect(self) -> Iterator[Metric]:
        p = self._prefix
        me = self._read()
        yield GaugeFamily(p + "virtual_memory_bytes", "Virtual memory size in bytes.", value=me.virtual_memory_bytes)
        yield GaugeFamily(p + "resident_memory_bytes", "Resident memory size in bytes.",
                          value=me.resident_memory_bytes)
        yield GaugeFamily(p + "start_time_seconds", "Start time of the process since unix epoch in seconds.",
                          value=me.start_time_seconds)
        yield CounterFamily(p + "cpu_seconds", "Total user and system CPU time spent in seconds.",
                            value=me.cpu_seconds)
        yield GaugeFamily(p + "open_fds", "Number of open file descriptors.", value=me.open_fds)
        yield GaugeFamily(p + "max_fds", "Maximum number of open file descriptors.", value=me.max_fds)
        # client_golang's name (prometheus_client has no such metric); dashboard 1860 draws it.
        yield GaugeFamily(p + "virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.",
                          value=me.virtual_memory_max_bytes)
