"""Which series the history records, and what they mean.

`series_from` flattens one Reading into ``{name: value}``; names are
dotted paths (``cpu.percent``, ``fs./home.percent``, ``net.eth0.rx_bytes_per_second``).
A device or mount point may itself contain dots, so names are never parsed back
into parts except by `describe` (which only looks at the known prefix and suffix).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from exporter.sampling.reading import Reading


@dataclass(frozen=True)
class SeriesInfo:
    """The unit and a one-line description of a series."""

    unit: str
    description: str


# Series that exist on every Linux host: always accepted by /history, even before the first write.
FIXED_SERIES: dict[str, SeriesInfo] = {
    "cpu.percent": SeriesInfo("percent", "CPU busy, all cores (0-100)"),
    "load.load1": SeriesInfo("load", "Load average over 1 minute"),
    "memory.percent": SeriesInfo("percent", "Memory used, excluding caches and buffers (0-100)"),
    "swap.percent": SeriesInfo("percent", "Swap used (0-100)"),
}

_UNKNOWN = SeriesInfo("", "")


def describe(name: str) -> SeriesInfo:
    """Unit and description of a series name produced by `series_from`."""
    fixed = FIXED_SERIES.get(name)
    if fixed:
        return fixed
    if name.startswith("fs.") and name.endswith(".percent"):
        return SeriesInfo("percent", f"Space used on filesystem {name[3:-8]} (0-100)")
    for prefix, kind in (("net.", "interface"), ("disk.", "disk")):
        if not name.startswith(prefix):
            continue
        for suffix, what in (
            (".rx_bytes_per_second", "Bytes received per second"),
            (".tx_bytes_per_second", "Bytes sent per second"),
            (".read_bytes_per_second", "Bytes read per second"),
            (".write_bytes_per_second", "Bytes written per second"),
        ):
            if name.endswith(suffix) and len(name) > len(prefix) + len(suffix):
                device = name[len(prefix) : -len(suffix)]
                return SeriesInfo("bytes_per_second", f"{what}, {kind} {device}")
    return _UNKNOWN


def percent(part: float, whole: float) -> float | None:
    """part/whole in percent, rounded as the page shows it; None when there is no whole."""
    return round(100.0 * part / whole, 2) if whole else None


def per_second(rate: float) -> float:
    """A rate in units per second, rounded as the page shows it."""
    return round(rate, 1)


def series_from(reading: Reading, hidden: re.Pattern[str]) -> dict[str, float]:
    """The recorded series of one Reading: ``{name: value}``, missing values skipped.

    An area whose collector failed has no series, nor do rates on the first Reading.
    Interfaces matching `hidden` (``network.page_hide``: lo, veth*, docker*, ...) are
    not recorded, which keeps container churn from creating series; filesystems that
    failed to stat are skipped. `/data` sends exactly this as its ``series``.
    """
    cur, rates = reading.cur, reading.rates
    out: dict[str, float] = {}

    def put(name: str, value: float | None) -> None:
        if value is not None and math.isfinite(value):
            out[name] = float(value)

    if rates.cpu_percent is not None:
        put("cpu.percent", round(rates.cpu_percent, 2))
    if cur.load is not None:
        put("load.load1", cur.load.load1)
    if cur.memory is not None:
        put("memory.percent", percent(cur.memory.used, cur.memory.total))
        put("swap.percent", percent(cur.memory.swap_used, cur.memory.swap_total))
    for fs in cur.filesystems or ():
        if fs.mountpoint and not fs.error:
            put(f"fs.{fs.mountpoint}.percent", round(100.0 * fs.used_ratio, 2))
    for nic in cur.network or ():
        rate = rates.net.get(nic.device)
        if rate is not None and nic.device and not hidden.search(nic.device):
            put(f"net.{nic.device}.rx_bytes_per_second", per_second(rate[0]))
            put(f"net.{nic.device}.tx_bytes_per_second", per_second(rate[1]))
    for disk in cur.disks or ():
        rate = rates.disk.get(disk.device)
        if rate is not None and disk.device:
            put(f"disk.{disk.device}.read_bytes_per_second", per_second(rate[0]))
            put(f"disk.{disk.device}.write_bytes_per_second", per_second(rate[1]))
    return out
