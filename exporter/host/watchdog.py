"""node_exporter's `watchdog` collector: /sys/class/watchdog timers (timeout, time left, state)."""

from __future__ import annotations

from exporter.exposition.families import GaugeFamily
from exporter.host.class_listing import ClassListing
from exporter.host.context import CollectorContext
from exporter.host.kept_files import ANY_ERROR, KeptFiles
from exporter.host.paths import HostPaths
from exporter.host.sysfs import float_value
from exporter.text import decode_bytes

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


_FILES = (*(f for f, _m, _h in _GAUGES), *_INFO)


class Watchdogs:
    """Every watchdog's 12 attributes through descriptors kept open (exporter.host.kept_files),
    listed at every collection; a watchdog's descriptors are dropped when its entry is another
    inode (the device was removed and another took its name)."""

    def __init__(self, paths: HostPaths) -> None:
        self._root = paths.sys("class", "watchdog")
        self._listing = ClassListing(self._root)  # an empty class is listed every 10 s
        self._files = KeptFiles()
        # What the families were made of at the last collection, and those families: handed out
        # again (rendered once) while every attribute reads the same bytes; all are read each time.
        self._last_readings: list[tuple[str, list[bytes | None]]] | None = None
        self._last_families: list[GaugeFamily] = []

    def __call__(self) -> list[GaugeFamily]:
        entries = self._listing.entries()  # FileNotFoundError: no watchdog class here
        readings = []
        for name, ino in entries:
            d = f"{self._root}/{name}"
            self._files.check(name, d, ino)
            readings.append((name, self._files.read_many(name, [f"{d}/{f}" for f in _FILES], ANY_ERROR)))
        self._files.retain({name for name, _ino in entries})
        if readings != self._last_readings:
            self._last_families = _families(readings)
            self._last_readings = readings
        return self._last_families

    def close(self) -> None:
        self._files.close()


def read_watchdogs(paths: HostPaths) -> list[GaugeFamily]:
    """One reading without kept descriptors."""
    reader = Watchdogs(paths)
    try:
        return reader()
    finally:
        reader.close()


def _families(readings: list[tuple[str, list[bytes | None]]]) -> list[GaugeFamily]:
    gauges = [(f, GaugeFamily(m, h, labels=["name"])) for f, m, h in _GAUGES]
    info = GaugeFamily("node_watchdog_info", "Info of /sys/class/watchdog/<watchdog>", labels=["name", *_INFO])
    for name, values in readings:
        for (_filename, fam), raw in zip(gauges, values, strict=False):
            value = float_value(raw)
            if value is not None:
                fam.add_metric([name], value)
        texts = ("" if v is None else decode_bytes(v).strip() for v in values[len(_GAUGES):])
        info.add_metric([name, *texts], 1.0)
    fams = [fam for _f, fam in gauges] + [info]
    for fam in fams:
        fam.reused = True
    return fams


def make(ctx: CollectorContext) -> Watchdogs:
    return Watchdogs(ctx.paths)
