"""node_exporter's `rapl` collector: RAPL energy counters from /sys/class/powercap (intel-rapl zones).

Without `rapl.enable_zone_label` (node_exporter's default) each zone is a
family of its own, node_rapl_<zone>_joules_total{index,path}; with it, one
node_rapl_joules_total{index,path,rapl_zone}.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable

from exporter.exposition.families import CounterFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths
from exporter.host.sysfs import read_float, read_stripped

_SUFFIX = re.compile(r"-\d+$")


def read_rapl(paths: HostPaths, zone_label: bool) -> list[CounterFamily]:
    root = paths.sys("class", "powercap")
    if not os.path.isdir(root):
        raise FileNotFoundError(2, "no powercap class", root)
    fams: dict[str, CounterFamily] = {}
    for zone in sorted(glob.glob(os.path.join(root, "intel-rapl:*"))):
        name, energy = read_stripped(os.path.join(zone, "name")), read_float(os.path.join(zone, "energy_uj"))
        if not name or energy is None:
            continue
        index = zone.rpartition(":")[2]
        short = _SUFFIX.sub("", name)
        if zone_label:
            fam = fams.setdefault("", CounterFamily("node_rapl_joules", "Current RAPL value in joules",
                                                    labels=["index", "path", "rapl_zone"]))
            fam.add_metric([index, zone, short], energy / 1e6)
        else:
            metric = f"node_rapl_{short.replace('-', '_')}_joules"
            fam = fams.setdefault(short, CounterFamily(metric, f"Current RAPL {short} value in joules",
                                                       labels=["index", "path"]))
            fam.add_metric([index, zone], energy / 1e6)
    return list(fams.values())


def make(ctx: CollectorContext) -> Callable[[], list[CounterFamily]]:
    zone_label = ctx.config.rapl.enable_zone_label
    return lambda: read_rapl(ctx.paths, zone_label)
