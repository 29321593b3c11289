"""node_exporter's `time` collector: the system time, the zone offset and the clocksources.

The clocksources come from /sys/devices/system/clocksource/clocksourceN (the
one the kernel uses, and the ones it could switch to).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths
from exporter.host.sysfs import KeptFile


class Clocksources:
    """node_time_clocksource_{available,current}_info from /sys/devices/system/clocksource/clocksourceN.

    The clocksourceN devices are registered at boot (there is one); they are listed once
    and their two files kept open (KeptFile), since listing sysfs costs more than reading
    it. A read error lists them again on the next collection."""

    WHERE = "/sys/devices/system/clocksource"

    def __init__(self, paths: HostPaths) -> None:
        self._root = paths.sys("devices", "system", "clocksource")
        self._devices: list[tuple[str, KeptFile, KeptFile]] | None = None

    def _scan(self) -> list[tuple[str, KeptFile, KeptFile]]:
        try:
            names = sorted(os.listdir(self._root))
        except FileNotFoundError:
            return []
        return [
            (n[len("clocksource"):], KeptFile(os.path.join(self._root, n, "available_clocksource")),
             KeptFile(os.path.join(self._root, n, "current_clocksource")))
            for n in names if n.startswith("clocksource") and n[len("clocksource"):].isdigit()
        ]

    def families(self) -> list[GaugeFamily]:
        available = GaugeFamily("node_time_clocksource_available_info",
                                f"Available clocksources read from '{self.WHERE}'.", labels=["device", "clocksource"])
        current = GaugeFamily("node_time_clocksource_current_info",
                              f"Current clocksource read from '{self.WHERE}'.", labels=["device", "clocksource"])
        if self._devices is None:
            self._devices = self._scan()
        for device, avail_file, cur_file in self._devices:
            try:
                sources, cur = avail_file.read().decode().split(), cur_file.read().decode().strip()
            except OSError:
                self._devices = None  # gone or unreadable: list them again next time
                continue
            for source in sources:
                available.add_metric([device, source], 1.0)
            if cur:
                current.add_metric([device, cur], 1.0)
        return [available, current]

    def close(self) -> None:
        for _d, a, c in self._devices or ():
            a.close()
            c.close()


class TimeCollector:
    def __init__(self, paths: HostPaths, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._clocksources = Clocksources(paths)

    def __call__(self) -> list[GaugeFamily]:
        now = self._clock()
        local = time.localtime(now)
        zone = GaugeFamily(
            "node_time_zone_offset_seconds", "System time zone offset in seconds.", labels=["time_zone"]
        )
        zone.add_metric([local.tm_zone], float(local.tm_gmtoff))
        return [
            GaugeFamily("node_time_seconds", "System time in seconds since epoch (1970).", now),
            zone,
            *self._clocksources.families(),
        ]

    def close(self) -> None:
        self._clocksources.close()


def make(ctx: CollectorContext, clock: Callable[[], float] = time.time) -> TimeCollector:
    return TimeCollector(ctx.paths, clock)
