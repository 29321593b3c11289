"""Disk I/O counters per disk from /proc/diskstats (partitions excluded by default)."""

from __future__ import annotations

import re
from collections.abc import Callable

from exporter.config import DiskIOConfig
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths, read_text
from exporter.sampling.snapshot import Disk

SECTOR_BYTES = 512  # the kernel always counts 512-byte sectors here


def read_disks(paths: HostPaths, config: DiskIOConfig) -> tuple[Disk, ...]:
    exclude = re.compile(config.device_exclude)
    disks = []
    for line in read_text(paths.proc("diskstats")).splitlines():
        p = line.split()
        if len(p) < 14 or exclude.search(p[2]):
            continue
        n = [int(x) for x in p[3:14]]
        disks.append(
            Disk(
                device=p[2],
                reads_completed=n[0],
                reads_merged=n[1],
                read_bytes=n[2] * SECTOR_BYTES,
                read_time_seconds=n[3] / 1000.0,
                writes_completed=n[4],
                writes_merged=n[5],
                written_bytes=n[6] * SECTOR_BYTES,
                write_time_seconds=n[7] / 1000.0,
                io_now=n[8],
                io_time_seconds=n[9] / 1000.0,
                io_time_weighted_seconds=n[10] / 1000.0,
            )
        )
    return tuple(disks)


def make(ctx: CollectorContext) -> Callable[[], tuple[Disk, ...]]:
    return lambda: read_disks(ctx.paths, ctx.config.diskio)
