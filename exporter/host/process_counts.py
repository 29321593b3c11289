"""node_exporter's `processes` families, from the process reader's own pass over /proc.

node_processes_pids, node_processes_threads and node_processes_state{state}
are counted from the Process tuple the reader already built (no second walk
of /proc/PID/stat), node_processes_max_processes and node_processes_max_threads
read /proc/sys/kernel/{pid_max,threads-max}. node_exporter also exports
node_processes_threads_state, which needs one stat read per thread
(/proc/PID/task/TID/stat); dashboard 1860 and the node-mixin do not use it,
so it is left out to keep the scrape cheap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from operator import attrgetter

from prometheus_client.metrics_core import Metric

from exporter.exposition.families import GaugeFamily
from exporter.host.context import Collected
from exporter.host.paths import HostPaths
from exporter.host.sysfs import KeptFile
from exporter.sampling.snapshot import Process

_LIMITS = (
    ("threads-max", "node_processes_max_threads", "Limit of threads in the system"),
    ("pid_max", "node_processes_max_processes", "Number of max PIDs limit"),
)
_state, _threads = attrgetter("state"), attrgetter("threads")


def count_families(processes: Sequence[Process], limits: Sequence[float | None]) -> list[Metric]:
    states = GaugeFamily("node_processes_state", "Number of processes in each state.", labels=["state"])
    for state, n in sorted(Counter(map(_state, processes)).items()):
        states.add_metric([state], float(n))
    fams: list[Metric] = [
        GaugeFamily("node_processes_threads", "Allocated threads in system", float(sum(map(_threads, processes)))),
        states,
        GaugeFamily("node_processes_pids", "Number of PIDs", float(len(processes))),
    ]
    for (_file, name, help_text), value in zip(_LIMITS, limits, strict=True):
        if value is not None:  # a limit we cannot read is left out, the counts stand
            fams.append(GaugeFamily(name, help_text, value))
    return fams


class Limits:
    """/proc/sys/kernel/{threads-max,pid_max}, each kept open (KeptFile)."""

    def __init__(self, paths: HostPaths) -> None:
        self._files = [KeptFile(paths.proc("sys", "kernel", f)) for f, _n, _h in _LIMITS]

    def read(self) -> list[float | None]:
        return [f.read_float() for f in self._files]

    def close(self) -> None:
        for f in self._files:
            f.close()


class ProcessCounts:
    """The process reader's tuple for the Snapshot, with the node_processes_* families beside it."""

    def __init__(self, reader: Callable[[], tuple[Process, ...]], paths: HostPaths) -> None:
        self._reader = reader
        self._limits = Limits(paths)

    def __call__(self) -> Collected:
        processes = self._reader()
        return Collected(processes, count_families(processes, self._limits.read()))

    def close(self) -> None:
        self._limits.close()
        close = getattr(self._reader, "close", None)
        if close is not None:
            close()
