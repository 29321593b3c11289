"""node_exporter's `watchdog` collector: /sys/class/watchdog timers (timeout, time left, state)."""

from __future__ import annotations

import os
from collections.abc import Callable

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths
from exporter.host.sysfs import list_dir, read_float, read_stripped

_GAUGES = (  # (file, metric, help)
    ("bootstatus", "node_watchdog_bootstatus", "Value of /sys/class/watchdog/<watchdog>/bootstatus"),
    ("fw_version", "node_watchdog_fw_version", "Value of /sys/class/watchdog/<watchdog>/fw_version"),
    ("nowayout", "node_watchdog_nowayout", "Value of /sys/class/watchdog/<watchdog>/nowayout"),
    ("timeleft", "node_watchdog_timeleft_seconds", "Value of /sys/class/watchdog/<watchdog>/timeleft"),
    ("timeout", "node_watchdog_timeout_seconds", "Value of /sys/class/watchdog/<watchdog>/timeout"),
    ("pretimeout", "node_watchdog_pretimeout_seconds", "Value of /sys/class/watchdog/<watchdog>/pretimeout"),
    ("access_cs0", "node_watchdog_access_cs0", "Value of /sys/class/watchdog/<watchdog>/access_cs0"),
)
_INFO = ("options", "identity", "state", "status", "pretimeout_governor")


def read_watchdogs(paths: HostPaths) -> list[GaugeFamily]:
    root = paths.sys("class", "watchdog")
    gauges = [(f, GaugeFamily(m, h, labels=["name"])) for f, m, h in _GAUGES]
    info = GaugeFamily("node_watchdog_info", "Info of /sys/class/watchdog/<watchdog>",
                       labels=["name", *_INFO])
    for name in list_dir(root):
        d = os.path.join(root, name)
        for filename, fam in gauges:
            value = read_float(os.path.join(d, filename))
            if value is not None:
                fam.add_metric([name], value)
        info.add_metric([name, *(read_stripped(os.path.join(d, f)) or "" for f in _INFO)], 1.0)
    return [fam for _f, fam in gauges] + [info]


def make(ctx: CollectorContext) -> Callable[[], list[GaugeFamily]]:
    return lambda: read_watchdogs(ctx.paths)
