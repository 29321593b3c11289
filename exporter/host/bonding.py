"""node_exporter's `bonding` collector: slaves and active (MII up) slaves per bonding master."""

from __future__ import annotations

import os
from collections.abc import Callable

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths, read_text
from exporter.host.sysfs import read_stripped


def read_bonding(paths: HostPaths) -> list[GaugeFamily]:
    net = paths.sys("class", "net")
    slaves = GaugeFamily("node_bonding_slaves", "Number of configured slaves per bonding interface.",
                         labels=["master"])
    active = GaugeFamily("node_bonding_active", "Number of active slaves per bonding interface.", labels=["master"])
    for master in read_text(os.path.join(net, "bonding_masters")).split():
        names = (read_stripped(os.path.join(net, master, "bonding", "slaves")) or "").split()
        up = 0
        for slave in names:
            for link in (f"slave_{slave}", f"lower_{slave}"):
                status = read_stripped(os.path.join(net, master, link, "bonding_slave", "mii_status"))
                if status is not None:
                    up += status == "up"
                    break
        slaves.add_metric([master], float(len(names)))
        active.add_metric([master], float(up))
    return [slaves, active]


def make(ctx: CollectorContext) -> Callable[[], list[GaugeFamily]]:
    return lambda: read_bonding(ctx.paths)
