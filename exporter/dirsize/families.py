"""Directory-scan metric families, read from the service's cache only (no I/O on a scrape)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.metrics_core import Metric

from exporter.exposition.families import GaugeFamily
from exporter.text import valid_text

if TYPE_CHECKING:
    from exporter.dirsize.service import DirSizeService


def dirsize_families(service: DirSizeService) -> Iterator[Metric]:
    """Gauges for every configured root.

    `sysmon_directory_size_bytes` has the root's own total (path == root) plus its
    `metrics_top_n` largest directories below it, so a root adds at most
    metrics_top_n + 1 series. Roots never scanned yet only report `..._running`.
    """
    views = service.root_views()  # a copy taken under a lock held for microseconds
    top = service.config.metrics_top_n
    size = GaugeFamily(
        "sysmon_directory_size_bytes",
        "Disk space used (allocated blocks, as du -x counts) by a configured scan root (path == root) "
        "and by its largest directories, from the last scan.",
        labels=["root", "path"],
    )
    duration = GaugeFamily(
        "sysmon_directory_scan_duration_seconds", "How long the last scan of the root took.", labels=["root"]
    )
    last_ok = GaugeFamily(
        "sysmon_directory_scan_last_success_timestamp_seconds",
        "Unix time at which the root's sizes were last known current: the end of its last successful scan, "
        "or a due rescan skipped because its tree reported no change since that scan began.",
        labels=["root"],
    )
    success = GaugeFamily(
        "sysmon_directory_scan_success",
        "1 if the last scan of the root completed, 0 if it failed or hit the time limit.",
        labels=["root"],
    )
    errors = GaugeFamily(
        "sysmon_directory_scan_errors",
        "Entries the last scan of the root could not read (they are not counted in the sizes).",
        labels=["root"],
    )
    running = GaugeFamily(
        "sysmon_directory_scan_running", "1 while a scan of the root is running or queued.", labels=["root"]
    )
    for v in views:
        root = valid_text(v.root)  # a configured root's real path may hold any bytes
        running.add_metric([root], 1.0 if (v.running or v.queued) else 0.0)
        if v.last_success is not None:
            last_ok.add_metric([root], v.last_success)
        r = v.result
        if r is None:
            continue
        duration.add_metric([root], r.duration)
        success.add_metric([root], 1.0 if r.complete else 0.0)
        errors.add_metric([root], float(r.error_count))
        if r.status in ("ok", "timeout"):
            size.add_metric([root, root], float(r.total_bytes))
            for e in r.directories[:top]:
                size.add_metric([root, e.path], float(e.size))
    yield from (size, duration, last_ok, success, errors, running)
