"""node_exporter's `thermal_zone` collector: /sys/class/thermal zones and cooling devices."""

from __future__ import annotations

import time
from collections.abc import Callable

from exporter.exposition.families import GaugeFamily
from exporter.host.class_listing import ClassListing
from exporter.host.context import CollectorContext
from exporter.host.kept_files import ANY_ERROR, KeptFiles
from exporter.host.paths import HostPaths
from exporter.host.sysfs import float_value
from exporter.text import decode_bytes


class Thermal:
    """Zones' type and temp, cooling devices' type, cur_state and max_state, through descriptors
    kept open (exporter.host.kept_files); the class directory is listed at every collection and
    an entry's descriptors are dropped when it is another inode (a device removed, another added
    under its name)."""

    def __init__(self, paths: HostPaths, clock: Callable[[], float] = time.monotonic) -> None:
        self._root = paths.sys("class", "thermal")
        self._listing = ClassListing(self._root, clock)  # an empty class is listed every 10 s
        self._files = KeptFiles()
        self._none: list[GaugeFamily] | None = None  # the families of no zone and no device

    def _read(self, entry: str, ino: int, names: tuple[str, ...]) -> list[bytes | None]:
        d = f"{self._root}/{entry}"
        self._files.check(entry, d, ino)
        return self._files.read_many(entry, [f"{d}/{n}" for n in names], ANY_ERROR)

    def __call__(self) -> list[GaugeFamily]:
        temp = GaugeFamily("node_thermal_zone_temp", "Zone temperature in Celsius", labels=["zone", "type"])
        cur = GaugeFamily("node_cooling_device_cur_state", "Current throttle state of the cooling device",
                          labels=["name", "type"])
        max_ = GaugeFamily("node_cooling_device_max_state", "Maximum throttle state of the cooling device",
                           labels=["name", "type"])
        # One listing for both kinds (glob lists the directory per pattern); FileNotFoundError: no class.
        entries = self._listing.entries()
        if not entries and self._none is not None:
            self._files.retain(set())
            return self._none
        for entry, ino in entries:
            if entry.startswith("thermal_zone"):
                raw_kind, raw_temp = self._read(entry, ino, ("type", "temp"))
                kind, value = _text(raw_kind), float_value(raw_temp)
                if kind is not None and value is not None:
                    temp.add_metric([entry[len("thermal_zone"):], kind], value / 1000.0)
            elif entry.startswith("cooling_device"):
                raw_kind, raw_cur, raw_max = self._read(entry, ino, ("type", "cur_state", "max_state"))
                kind, c, m = _text(raw_kind), float_value(raw_cur), float_value(raw_max)
                if kind is None or c is None or m is None:
                    continue
                cur.add_metric([entry[len("cooling_device"):], kind], c)
                max_.add_metric([entry[len("cooling_device"):], kind], m)
        self._files.retain({entry for entry, _ino in entries})
        fams = [temp, cur, max_]
        if not entries:
            self._none = fams
        return fams

    def close(self) -> None:
        self._files.close()


def _text(value: bytes | None) -> str | None:
    return None if value is None else decode_bytes(value).strip()


def read_thermal(paths: HostPaths) -> list[GaugeFamily]:
    """One reading without kept descriptors."""
    reader = Thermal(paths)
    try:
        return reader()
    finally:
        reader.close()


def make(ctx: CollectorContext) -> Thermal:
    return Thermal(ctx.paths)
