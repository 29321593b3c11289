"""node_exporter's `time` collector: the system time, the zone offset and the clocksources.

The clocksources come from /sys/devices/system/clocksource/clocksourceN (the
one the kernel uses, and the ones it could switch to).
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths
from exporter.host.sysfs import read_stripped


def clocksource_families(paths: HostPaths) -> list[GaugeFamily]:
    where = "/sys/devices/system/clocksource"
    available = GaugeFamily(
        "node_time_clocksource_available_info",
        f"Available clocksources read from '{where}'.",
        labels=["device", "clocksource"],
    )
    current = GaugeFamily(
        "node_time_clocksource_current_info",
        f"Current clocksource read from '{where}'.",
        labels=["device", "clocksource"],
    )
    for path in sorted(glob.glob(paths.sys("devices", "system", "clocksource", "clocksource[0-9]*"))):
        device = os.path.basename(path)[len("clocksource"):]
        for source in (read_stripped(os.path.join(path, "available_clocksource")) or "").split():
            available.add_metric([device, source], 1.0)
        cur = read_stripped(os.path.join(path, "current_clocksource"))
        if cur:
            current.add_metric([device, cur], 1.0)
    return [available, current]


def make(ctx: CollectorContext, clock: Callable[[], float] = time.time) -> Callable[[], list[GaugeFamily]]:
    def collect() -> list[GaugeFamily]:
        now = clock()
        local = time.localtime(now)
        zone = GaugeFamily(
            "node_time_zone_offset_seconds", "System time zone offset in seconds.", labels=["time_zone"]
        )
        zone.add_metric([local.tm_zone], float(local.tm_gmtoff))
        return [
            GaugeFamily("node_time_seconds", "System time in seconds since epoch (1970).", now),
            zone,
            *clocksource_families(ctx.paths),
        ]

    return collect
