"""node_exporter's `entropy` collector: the kernel's entropy pool, from /proc/sys/kernel/random."""

from __future__ import annotations

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths
from exporter.host.scalars import Scalars
from exporter.host.sysfs import KeptFile


class Entropy:
    """Both files kept open (KeptFile): /proc/sys reads cost several times more through open()."""

    def __init__(self, paths: HostPaths) -> None:
        self._avail = KeptFile(paths.proc("sys", "kernel", "random", "entropy_avail"))
        self._pool = KeptFile(paths.proc("sys", "kernel", "random", "poolsize"))
        self._scalars = Scalars()  # an unchanged value: the same family, its line rendered once

    def __call__(self) -> list[GaugeFamily]:
        avail, pool = float(self._avail.read()), float(self._pool.read())  # missing: FileNotFoundError
        family = self._scalars.family
        return [
            family(GaugeFamily, "node_entropy_available_bits", "Bits of available entropy.", avail),
            family(GaugeFamily, "node_entropy_pool_size_bits", "Bits of entropy pool.", pool),
        ]

    def close(self) -> None:
        self._avail.close()
        self._pool.close()


def make(ctx: CollectorContext) -> Entropy:
    return Entropy(ctx.paths)
