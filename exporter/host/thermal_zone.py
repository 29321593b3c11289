"""node_exporter's `thermal_zone` collector: /sys/class/thermal zones and cooling devices."""

from __future__ import annotations

import os
from collections.abc import Callable

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths
from exporter.host.sysfs import read_float, read_stripped


def read_thermal(paths: HostPaths) -> list[GaugeFamily]:
    root = paths.sys("class", "thermal")
    temp = GaugeFamily("node_thermal_zone_temp", "Zone temperature in Celsius", labels=["zone", "type"])
    cur = GaugeFamily("node_cooling_device_cur_state", "Current throttle state of the cooling device",
                      labels=["name", "type"])
    max_ = GaugeFamily("node_cooling_device_max_state", "Maximum throttle state of the cooling device",
                       labels=["name", "type"])
    entries = sorted(os.listdir(root))  # one listing for both kinds (glob lists the directory per pattern)
    for zone in (os.path.join(root, e) for e in entries if e.startswith("thermal_zone")):
        kind, value = read_stripped(os.path.join(zone, "type")), read_float(os.path.join(zone, "temp"))
        if kind is not None and value is not None:
            temp.add_metric([os.path.basename(zone)[len("thermal_zone"):], kind], value / 1000.0)
    for dev in (os.path.join(root, e) for e in entries if e.startswith("cooling_device")):
        name, kind = os.path.basename(dev)[len("cooling_device"):], read_stripped(os.path.join(dev, "type"))
        c, m = read_float(os.path.join(dev, "cur_state")), read_float(os.path.join(dev, "max_state"))
        if kind is None or c is None or m is None:
            continue
        cur.add_metric([name, kind], c)
        max_.add_metric([name, kind], m)
    return [temp, cur, max_]


def make(ctx: CollectorContext) -> Callable[[], list[GaugeFamily]]:
    return lambda: read_thermal(ctx.paths)
