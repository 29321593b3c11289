"""node_exporter's `netclass` collector: each interface's properties from /sys/class/net/<iface>/.

Carrier, speed, MTU, operstate and the rest, as node_exporter's sysfs path reads
them (procfs's NetClassIface): an attribute the kernel does not provide (absent,
EINVAL, EOPNOTSUPP: e.g. the speed of a virtual or down link) is left out, not
reported as 0. `node_network_up` and `node_network_info` come from here, as there.
The attribute files are read through descriptors kept open (22 per interface), which
makes the collector about 20 times cheaper than opening each one at every scrape.
Every attribute is read at every collection: by the kernel's semantics nearly all of
them can change for the life of an interface (address and addr_assign_type with a MAC
change, name_assign_type with a rename, type when a bond takes its first slave, iflink
for tunnels, link_mode and netdev_group by netlink), so none is served from memory. What
is saved is the rest: when every attribute of every interface reads the same bytes as at
the last collection (a quiet host), the same families are handed out with their
rendered lines (Family.reused), so building and rendering them costs nothing.
netclass.ignored_devices (an unanchored regex) and netclass.ignore_invalid_speed
(drop the -1 speed of links that do not know theirs) are node_exporter's flags.
"""

from __future__ import annotations

import errno
import os
import re

from exporter.exposition.families import CounterFamily, Family, GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptFiles
from exporter.host.paths import HostPaths

# (sysfs attribute, node_network_<name>, counter?) in node_exporter's order; speed is handled apart.
_NUMERIC = (
    ("addr_assign_type", "address_assign_type", False),
    ("carrier", "carrier", False),
    ("carrier_changes", "carrier_changes_total", True),
    ("carrier_up_count", "carrier_up_changes_total", True),
    ("carrier_down_count", "carrier_down_changes_total", True),
    ("dev_id", "device_id", False),
    ("dormant", "dormant", False),
    ("flags", "flags", False),
    ("ifindex", "iface_id", False),
    ("iflink", "iface_link", False),
    ("link_mode", "iface_link_mode", False),
    ("mtu", "mtu_bytes", False),
    ("name_assign_type", "name_assign_type", False),
    ("netdev_group", "net_dev_group", False),
    ("tx_queue_len", "transmit_queue_length", False),
    ("type", "protocol_type", False),
)
_INFO_LABELS = ["device", "address", "broadcast", "duplex", "operstate", "adminstate", "ifalias"]
_UNSUPPORTED = (errno.EINVAL, errno.EOPNOTSUPP)


def _int(value: bytes | None) -> int | None:
    """A decimal or 0x-prefixed hexadecimal attribute (int() takes bytes and ignores the newline)."""
    if value is None:
        return None
    return int(value[2:], 16) if value.startswith(b"0x") else int(value)


def _text(value: bytes | None) -> str:
    return "" if value is None else value.decode("utf-8", "replace").strip()


# Every attribute read per interface, in one list: the strings, flags and speed, then the numeric ones.
_STRINGS = ("operstate", "address", "broadcast", "duplex", "ifalias")
_ATTRIBUTES = (*_STRINGS, "flags", "speed", *(n for n, _, _ in _NUMERIC if n != "flags"))
_FLAGS = len(_STRINGS)
_FIRST_NUMERIC = _FLAGS + 2


def devices(paths: HostPaths) -> list[tuple[str, int]]:
    """The interfaces under /sys/class/net with their entries' inodes (its regular files, such as
    bonding_masters, are not interfaces)."""
    with os.scandir(paths.sys("class", "net")) as it:
        return sorted((e.name, e.inode()) for e in it if not e.is_file(follow_symlinks=False))


class NetClassReader:
    """Reads every interface's attributes through kept descriptors (see exporter.host.kept_files)."""

    def __init__(self, paths: HostPaths, ignored: re.Pattern[str], ignore_invalid_speed: bool) -> None:
        self._paths = paths
        self._ignored = ignored
        self._ignore_invalid_speed = ignore_invalid_speed
        self._files = KeptFiles()
        self._device_paths: dict[str, tuple[str, list[str]]] = {}
        self._last_readings: list[tuple[str, list[bytes | None]]] | None = None
        self._last_families: list[Family] = []

    def _paths_of(self, device: str) -> tuple[str, list[str]]:
        paths = self._device_paths.get(device)
        if paths is None:
            base = self._paths.sys("class", "net", device)
            paths = self._device_paths[device] = (base, [f"{base}/{name}" for name in _ATTRIBUTES])
        return paths

    def __call__(self) -> list[Family]:
        read = self._files.read_many
        readings = []
        for device, ino in devices(self._paths):
            if self._ignored.search(device):
                continue
            base, paths = self._paths_of(device)
            self._files.check(device, base, ino)
            try:
                values = read(device, paths, _UNSUPPORTED)
            except OSError:  # a kept descriptor of an interface removed since the listing: ENODEV
                if os.path.lexists(base):
                    raise
                continue
            if values[0] is None and not os.path.lexists(base):  # no operstate: removed since the listing
                continue
            readings.append((device, values))

        seen = {device for device, _ in readings}
        self._files.retain(seen)
        for gone in [d for d in self._device_paths if d not in seen]:
            del self._device_paths[gone]
        if readings != self._last_readings:
            self._last_families = self._families(readings)
            self._last_readings = readings
        return self._last_families

    def _families(self, readings: list[tuple[str, list[bytes | None]]]) -> list[Family]:
        """The families of these raw attribute values. They are handed out again, with their rendered
        lines, for as long as every attribute of every interface reads the same bytes (a quiet host):
        the values are read at every collection, only the building and rendering is saved."""
        up = GaugeFamily("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", labels=["device"])
        info = GaugeFamily("node_network_info", "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
                           labels=_INFO_LABELS)
        rows: dict[tuple[str, bool], list[tuple[list[str], int]]] = {}
        for device, values in readings:
            operstate = _text(values[0])
            flags = _int(values[_FLAGS])
            adminstate = "unknown" if flags is None else ("up" if flags & 1 else "down")
            up.add_metric([device], 1.0 if operstate == "up" else 0.0)
            info.add_metric([device, _text(values[1]), _text(values[2]), _text(values[3]), operstate, adminstate,
                             _text(values[4])], 1.0)
            labels = [device]
            i = _FIRST_NUMERIC
            for name, metric, counter in _NUMERIC:
                if name == "flags":
                    value = flags
                else:
                    value = _int(values[i])
                    i += 1
                if value is not None:
                    rows.setdefault((metric, counter), []).append((labels, value))
            speed = _int(values[_FLAGS + 1])
            if speed is not None and (speed >= 0 or not self._ignore_invalid_speed):
                rows.setdefault(("speed_bytes", False), []).append((labels, speed * 1000 * 1000 // 8))
        fams: list[Family] = [up, info]
        for (name, counter), fam_rows in rows.items():
            cls = CounterFamily if counter else GaugeFamily
            fam: Family = cls(f"node_network_{name}", f"Network device property: {name}", labels=["device"])
            fam.rows.extend(fam_rows)
            fams.append(fam)
        for fam in fams:
            fam.reused = True
        return fams

    def close(self) -> None:
        self._files.close()


def make(ctx: CollectorContext) -> NetClassReader:
    cfg = ctx.config.netclass
    return NetClassReader(ctx.paths, re.compile(cfg.ignored_devices), cfg.ignore_invalid_speed)
