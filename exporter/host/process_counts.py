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

from exporter.exposition.families import GaugeFamily, KeptFamilies, Row
from exporter.host.context import Collected
from exporter.host.paths import HostPaths
from exporter.host.scalars import Scalars
from exporter.host.sysfs import KeptFile
from exporter.sampling.snapshot import Process, ProcessChanges

_LIMITS = (
    ("threads-max", "node_processes_max_threads", "Limit of threads in the system"),
    ("pid_max", "node_processes_max_processes", "Number of max PIDs limit"),
)
_state, _threads = attrgetter("state"), attrgetter("threads")


def count_families(
    processes: Sequence[Process], limits: Sequence[float | None], counted: tuple[Counter[str], int] | None = None,
    kept: tuple[Scalars, KeptFamilies] | None = None,
) -> list[Metric]:
    """node_processes_*; `counted` is (processes by state, threads) if the caller has them, `kept`
    the caller's Scalars and KeptFamilies, which hand a family out again while it is unchanged."""
    by_state, threads = counted if counted is not None else (Counter(map(_state, processes)),
                                                            sum(map(_threads, processes)))
    scalars, families = kept if kept is not None else (Scalars(), KeptFamilies())
    rows: list[Row] = [((state,), float(n)) for state, n in sorted(by_state.items()) if n > 0]
    fams: list[Metric] = [
        scalars.family(GaugeFamily, "node_processes_threads", "Allocated threads in system", float(threads)),
        families.family(GaugeFamily, "node_processes_state", "Number of processes in each state.", ("state",),
                        rows),
        scalars.family(GaugeFamily, "node_processes_pids", "Number of PIDs", float(len(processes))),
    ]
    for (_file, name, help_text), value in zip(_LIMITS, limits, strict=True):
        if value is not None:  # a limit we cannot read is left out, the counts stand
            fams.append(scalars.family(GaugeFamily, name, help_text, value))
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
        self._last: tuple[tuple[Process, ...], Counter[str], int] | None = None
        self._kept = (Scalars(), KeptFamilies())

    def __call__(self) -> Collected:
        processes = self._reader()
        counted = self._count(processes)
        return Collected(processes, count_families(processes, self._limits.read(), counted, self._kept))

    def _count(self, processes: tuple[Process, ...]) -> tuple[Counter[str], int]:
        """(processes by state, threads): moved by what changed when the reader says what that
        is (a ProcessList that follows the last one), else counted over every process."""
        changes = getattr(processes, "changes", None)
        last = self._last
        if isinstance(changes, ProcessChanges) and last is not None and changes.follows(last[0]):
            by_state, threads = last[1].copy(), last[2]
            for q, p in changes.pairs:
                if q is not None:
                    by_state[q[4]] -= 1
                    threads -= q[7]
                by_state[p[4]] += 1
                threads += p[7]
            for q in changes.gone.values():
                by_state[q[4]] -= 1
                threads -= q[7]
        else:
            by_state, threads = Counter(map(_state, processes)), sum(map(_threads, processes))
        self._last = (processes, by_state, threads)
        return by_state, threads

    def close(self) -> None:
        self._limits.close()
        close = getattr(self._reader, "close", None)
        if close is not None:
            close()
