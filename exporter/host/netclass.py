"""node_exporter's `netclass` collector: each interface's properties from /sys/class/net/<iface>/.

Carrier, speed, MTU, operstate and the rest, as node_exporter's sysfs path reads
them (procfs's NetClassIface): an attribute the kernel does not provide (absent,
EINVAL, EOPNOTSUPP: e.g. the speed of a virtual or down link) is left out, not
reported as 0. `node_network_up` and `node_network_info` come from here, as there.
The attribute files are read through descriptors kept open (26 per interface), which
makes the collector about 20 times cheaper than opening each one at every scrape.
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


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    return int(value[2:], 16) if value.startswith("0x") else int(value)


def devices(paths: HostPaths) -> list[str]:
    """The interfaces under /sys/class/net (its regular files, such as bonding_masters, are not)."""
    with os.scandir(paths.sys("class", "net")) as it:
        return sorted(e.name for e in it if not e.is_file(follow_symlinks=False))


class NetClassReader:
    """Reads every interface's attributes through kept descriptors (see exporter.host.kept_files)."""

    def __init__(self, paths: HostPaths, ignored: re.Pattern[str], ignore_invalid_speed: bool) -> None:
        self._paths = paths
        self._ignored = ignored
        self._ignore_invalid_speed = ignore_invalid_speed
        self._files = KeptFiles()

    def _attr(self, device: str, base: str, name: str) -> str | None:
        """The trimmed attribute, or None where the kernel does not provide it for this device."""
        try:
            return self._files.read(device, f"{base}/{name}").decode("utf-8", "replace").strip()
        except FileNotFoundError:
            return None
        except OSError as e:
            if e.errno in _UNSUPPORTED:
                return None
            raise

    def __call__(self) -> list[Family]:
        up = GaugeFamily("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", labels=["device"])
        info = GaugeFamily("node_network_info", "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
                           labels=_INFO_LABELS)
        fams: dict[str, Family] = {}

        def family(name: str, counter: bool) -> Family:
            fam = fams.get(name)
            if fam is None:
                cls = CounterFamily if counter else GaugeFamily
                fam = fams[name] = cls(f"node_network_{name}", f"Network device property: {name}", labels=["device"])
            return fam

        seen = set()
        for device in devices(self._paths):
            if self._ignored.search(device):
                continue
            base = self._paths.sys("class", "net", device)
            try:
                self._files.check(device, base)
            except FileNotFoundError:  # removed since the listing
                continue
            seen.add(device)
            attr = self._attr
            operstate = attr(device, base, "operstate") or ""
            flags = _int(attr(device, base, "flags"))
            adminstate = "unknown" if flags is None else ("up" if flags & 1 else "down")
            up.add_metric([device], 1.0 if operstate == "up" else 0.0)
            info.add_metric([device, attr(device, base, "address") or "", attr(device, base, "broadcast") or "",
                             attr(device, base, "duplex") or "", operstate, adminstate,
                             attr(device, base, "ifalias") or ""], 1.0)
            for name, metric, counter in _NUMERIC:
                value = flags if name == "flags" else _int(attr(device, base, name))
                if value is not None:
                    family(metric, counter).add_metric([device], value)
            speed = _int(attr(device, base, "speed"))
            if speed is not None and (speed >= 0 or not self._ignore_invalid_speed):
                family("speed_bytes", False).add_metric([device], speed * 1000 * 1000 // 8)
        self._files.retain(seen)
        return [up, info, *fams.values()]

    def close(self) -> None:
        self._files.close()


def make(ctx: CollectorContext) -> NetClassReader:
    cfg = ctx.config.netclass
    return NetClassReader(ctx.paths, re.compile(cfg.ignored_devices), cfg.ignore_invalid_speed)
