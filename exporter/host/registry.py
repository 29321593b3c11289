"""The table of collectors (node_exporter's names) and the reader that runs them.

Each collector is timed and isolated: one that raises is reported through
sysmon_collector_success=0 and leaves its part of the Snapshot empty; the
others go on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from exporter.config import Config
from exporter.host.cpu import read_cpu
from exporter.host.diskio import read_disks
from exporter.host.filesystems import FilesystemReader
from exporter.host.load import read_load
from exporter.host.memory import read_memory
from exporter.host.network import read_network
from exporter.host.paths import HostPaths
from exporter.host.processes import ProcessReader
from exporter.host.system import read_uname
from exporter.sampling.snapshot import CollectorResult, Snapshot

log = logging.getLogger(__name__)

# collector name → Snapshot field it fills
COLLECTORS: dict[str, str] = {
    "cpu": "cpu",
    "loadavg": "load",
    "meminfo": "memory",
    "filesystem": "filesystems",
    "diskstats": "disks",
    "netdev": "network",
    "processes": "processes",
    "uname": "uname",
}
COLLECTOR_NAMES = tuple(COLLECTORS)


class HostReader:
    """Runs every enabled collector once per call and returns a Snapshot."""

    def __init__(
        self,
        config: Config,
        *,
        statfs: Callable[[str], Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        paths = HostPaths(config.root_prefix)
        fs_kwargs = {"statfs": statfs} if statfs else {}
        self._filesystems = FilesystemReader(paths, config.filesystems, **fs_kwargs)
        self._processes = ProcessReader(paths, None if config.processes.keep_files_open else 0)
        readers: dict[str, Callable[[], Any]] = {
            "cpu": lambda: read_cpu(paths),
            "loadavg": lambda: read_load(paths),
            "meminfo": lambda: read_memory(paths),
            "filesystem": self._filesystems,
            "diskstats": lambda: read_disks(paths, config.diskio),
            "netdev": lambda: read_network(paths, config.network),
            "processes": self._processes,
            "uname": lambda: read_uname(paths),
        }
        if not config.processes.enabled:
            readers.pop("processes")
        for name in config.disabled_collectors:
            readers.pop(name, None)
        self._readers = readers
        self._clock = clock
        self._seq = 0
        self._failing: set[str] = set()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> tuple[str, ...]:
        return tuple(self._readers)

    def read(self) -> Snapshot:
        with self._lock:
            self._seq += 1
            seq = self._seq
        values: dict[str, Any] = {}
        results = []
        for name, reader in self._readers.items():
            start = time.perf_counter()
            try:
                values[COLLECTORS[name]] = reader()
                ok, err = True, ""
            except Exception as e:  # noqa: BLE001 - a failing area must not fail the snapshot
                ok, err = False, f"{type(e).__name__}: {e}"
            results.append(CollectorResult(name, ok, time.perf_counter() - start, err))
            self._log_change(name, ok, err)
        return Snapshot(
            timestamp=self._clock(),
            monotonic=time.monotonic(),
            collectors=tuple(results),
            seq=seq,
            **values,
        )

    def _log_change(self, name: str, ok: bool, err: str) -> None:
        """Log a collector failing once, and its recovery once, not on every scrape."""
        if not ok and name not in self._failing:
            self._failing.add(name)
            log.warning("collector %s failed: %s", name, err)
        elif ok and name in self._failing:
            self._failing.discard(name)
            log.info("collector %s recovered", name)

    def close(self) -> None:
        self._filesystems.close()
        self._processes.close()
