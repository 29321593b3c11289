"""Which series the history records, and what they mean.

`series_from_data` flattens one `/data` view into ``{name: value}``; names are
dotted paths (``cpu.percent``, ``fs./home.percent``, ``net.eth0.rx_bytes_per_second``).
A device or mount point may itself contain dots, so names are never parsed back
into parts except by `describe` (which only looks at the known prefix and suffix).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


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
    """Unit and description of a series name produced by `series_from_data`."""
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


def _num(value: Any) -> float | None:
    """A finite float, or None for missing, null, booleans, NaN and infinities."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _rows(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [row for row in value if isinstance(row, dict)]


def series_from_data(data: dict[str, Any]) -> dict[str, float]:
    """The recorded series of one `/data` view: ``{name: value}``, missing values skipped.

    Any section may be null (its collector failed) and any value may be null (rates on
    the first snapshot). Interfaces hidden on the page (``hidden: true``: lo, veth*,
    docker*, ...) are not recorded, which keeps container churn from creating series.
    Filesystems that failed to stat (non-empty ``error``) are skipped.
    """
    out: dict[str, float] = {}

    def put(name: str, value: Any) -> None:
        v = _num(value)
        if v is not None:
            out[name] = v

    put("cpu.percent", _section(data, "cpu").get("percent"))
    put("load.load1", _section(data, "load").get("load1"))
    put("memory.percent", _section(data, "memory").get("percent"))
    put("swap.percent", _section(data, "swap").get("percent"))
    for fs in _rows(data, "filesystems"):
        mount = fs.get("mountpoint")
        if isinstance(mount, str) and mount and not fs.get("error"):
            put(f"fs.{mount}.percent", fs.get("percent"))
    for nic in _rows(data, "network"):
        dev = nic.get("device")
        if isinstance(dev, str) and dev and not nic.get("hidden"):
            put(f"net.{dev}.rx_bytes_per_second", nic.get("rx_bytes_per_second"))
            put(f"net.{dev}.tx_bytes_per_second", nic.get("tx_bytes_per_second"))
    for disk in _rows(data, "disks"):
        dev = disk.get("device")
        if isinstance(dev, str) and dev:
            put(f"disk.{dev}.read_bytes_per_second", disk.get("read_bytes_per_second"))
            put(f"disk.{dev}.write_bytes_per_second", disk.get("write_bytes_per_second"))
    return out
