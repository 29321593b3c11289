"""node_exporter's `pressure` collector: pressure stall information from /proc/pressure.

Only the cumulative `total=` (µs) of each line is exported, as node_exporter
does; the averages are derivable from it by rate(). A kernel without PSI has
no /proc/pressure: FileNotFoundError reports the collector unavailable. A resource
file that is missing (irq before 5.15, or without CONFIG_IRQ_TIME_ACCOUNTING) is looked
for again every MISSING_RETRY seconds rather than at every collection, as the registry
does for a missing collector: the kernel creates these files at boot (psi_proc_init), so
one that appears later (a fixture tree, a remounted /proc) is seen within 10 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from exporter.exposition.families import CounterFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths
from exporter.host.scalars import Scalars
from exporter.host.sysfs import KeptFile

# (resource, line kind) → (metric name, help), as node_exporter names them.
_METRICS = {
    ("cpu", "some"): ("node_pressure_cpu_waiting_seconds",
                      "Total time in seconds that processes have waited for CPU time"),
    ("io", "some"): ("node_pressure_io_waiting_seconds",
                     "Total time in seconds that processes have waited due to IO congestion"),
    ("io", "full"): ("node_pressure_io_stalled_seconds",
                     "Total time in seconds no process could make progress due to IO congestion"),
    ("memory", "some"): ("node_pressure_memory_waiting_seconds",
                         "Total time in seconds that processes have waited for memory"),
    ("memory", "full"): ("node_pressure_memory_stalled_seconds",
                         "Total time in seconds no process could make progress due to memory congestion"),
    ("irq", "full"): ("node_pressure_irq_stalled_seconds",
                      "Total time in seconds no process could make progress due to IRQ congestion"),
}
RESOURCES = ("cpu", "io", "memory", "irq")
MISSING_RETRY = 10.0  # seconds between looks for a missing resource file


class Pressure:
    """The /proc/pressure files kept open (KeptFile): a pread costs a fraction of open + read + close."""

    def __init__(self, paths: HostPaths, clock: Callable[[], float] = time.monotonic) -> None:
        self._dir = paths.proc("pressure")
        self._files = [(r, KeptFile(paths.proc("pressure", r))) for r in RESOURCES]
        self._scalars = Scalars()  # an unchanged value (irq, full stalls: mostly 0): the same family
        self._clock = clock
        self._missing: dict[str, float] = {}  # resource → when to look for its file again

    def __call__(self) -> list[CounterFamily]:
        fams = []
        found = False
        now = self._clock() if self._missing else 0.0
        for resource, kept in self._files:
            retry = self._missing.get(resource)
            if retry is not None and now < retry:
                continue
            try:
                text = kept.read().decode("ascii", "replace")
            except FileNotFoundError:
                # irq is newer (5.15+); one missing resource is not a failure
                self._missing[resource] = self._clock() + MISSING_RETRY
                continue
            self._missing.pop(resource, None)
            found = True
            for line in text.splitlines():
                kind, _, rest = line.partition(" ")
                metric = _METRICS.get((resource, kind))
                if metric is None:
                    continue
                total = rest.rpartition("total=")[2]
                fams.append(self._scalars.family(CounterFamily, metric[0], metric[1], float(total) / 1000.0 / 1000.0))
        if not found:
            raise FileNotFoundError(2, "no pressure stall information", self._dir)
        return fams

    def close(self) -> None:
        for _r, kept in self._files:
            kept.close()


def make(ctx: CollectorContext, clock: Callable[[], float] = time.monotonic) -> Pressure:
    return Pressure(ctx.paths, clock)
