"""node_exporter's `entropy` collector: the kernel's entropy pool, from /proc/sys/kernel/random."""

from __future__ import annotations

from collections.abc import Callable

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths, read_text


def read_entropy(paths: HostPaths) -> list[GaugeFamily]:
    avail = float(read_text(paths.proc("sys", "kernel", "random", "entropy_avail")))
    pool = float(read_text(paths.proc("sys", "kernel", "random", "poolsize")))
    return [
        GaugeFamily("node_entropy_available_bits", "Bits of available entropy.", avail),
        GaugeFamily("node_entropy_pool_size_bits", "Bits of entropy pool.", pool),
    ]


def make(ctx: CollectorContext) -> Callable[[], list[GaugeFamily]]:
    return lambda: read_entropy(ctx.paths)
