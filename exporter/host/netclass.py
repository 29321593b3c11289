"""node_exporter's `netclass` collector: each interface's properties from /sys/class/net/<iface>/.

Carrier, speed, MTU, operstate and the rest, as node_exporter's sysfs path reads
them (procfs's NetClassIface): an attribute the kernel does not provide (absent,
EINVAL, EOPNOTSUPP: e.g. the speed of a virtual or down link) is left out, not
reported as 0. `node_network_up` and `node_network_info` come from here, as there.
The attribute files are read through descriptors kept open (22 per interface), which
makes the collector about 20 times cheaper than opening each one at every scrape.

Nearly every attribute can change for the life of an interface (address and
addr_assign_type with a MAC change, name_assign_type with a rename, type when a bond
takes its first slave, iflink for tunnels, link_mode and netdev_group by netlink), so
what is served from memory is only what the kernel promises to announce. Without a
root_prefix the reader listens on an rtnetlink socket (exporter/host/link_events.py):
the kernel broadcasts an RTM_NEWLINK/RTM_DELLINK to RTMGRP_LINK when a link is
registered or unregistered, renamed (NETDEV_CHANGENAME), changes MTU (NETDEV_CHANGEMTU),
hardware or broadcast address (NETDEV_CHANGEADDR), type (NETDEV_POST_TYPE_CHANGE),
tx_queue_len (NETDEV_CHANGE_TX_QUEUE_LEN), all of them through rtnetlink_event, or its
flags (__dev_notify_flags → rtmsg_ifinfo: up/down, promiscuity...); and, through
netdev_state_change, when linkwatch sees carrier, dormant or operstate move, when
ifalias is written (sysfs ifalias_store or netlink) and when do_setlink changes
link_mode, group or ifalias. At each collection the socket is drained without blocking:
any message, an overrun (ENOBUFS) or an error, the first collection, and at least every
FULL_EVERY (60) seconds (a driver that changes something without telling: the staleness
bound), every interface is listed and every attribute read, as node_exporter does.
Otherwise only what no event announces is read again, and the rest is handed out from
the last full reading:
- speed and duplex of a link that is up: ethtool settings go through ethtool's own
  netlink family or ioctl, not rtnetlink;
- netdev_group of every link: a write to /sys/class/net/IF/netdev_group (change_group →
  dev_set_group) broadcasts nothing;
- for a link that is not up (no IFF_UP in its flags) also ifalias, link_mode and the
  carrier_changes/up/down counters: netdev_state_change (and linkwatch's call of it)
  broadcasts nothing for a link that is down (checked on this kernel: `ip link set alias`,
  `mode` and `group` on a down veth send nothing, on an up one they do). Its carrier,
  dormant, speed, duplex and operstate cannot move while it is down: sysfs answers EINVAL
  for the first four and "down" for operstate when a link is not running (netif_running,
  which IFF_UP's dev_open sets), so those are not read again for it.
So a change is served at the next collection, at worst a second later for carrier
changes (linkwatch's delay before it announces). With a root_prefix (another mount's
/sys, another namespace's view, or a fixture tree), or when the socket cannot be made
(no permission, seccomp: one debug line), every attribute is read at every collection.
Either way, when every attribute reads the same bytes as at the last collection (a
quiet host), the same families are handed out with their rendered lines
(Family.reused), so building and rendering them costs nothing.
netclass.ignored_devices (an unanchored regex) and netclass.ignore_invalid_speed
(drop the -1 speed of links that do not know theirs) are node_exporter's flags.
"""

from __future__ import annotations

import errno
import os
import re
import time
from collections.abc import Callable
from typing import Protocol

from exporter.exposition.families import CounterFamily, Family, GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptFiles
from exporter.host.link_events import LinkEvents, namespace_links
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
# What a cheap collection reads again (see the module's docstring), as indices into _ATTRIBUTES.
_REREAD_UP = tuple(_ATTRIBUTES.index(n) for n in ("speed", "duplex", "netdev_group"))
_REREAD_DOWN = tuple(sorted(_ATTRIBUTES.index(n) for n in (
    "netdev_group", "ifalias", "link_mode", "carrier_changes", "carrier_up_count", "carrier_down_count")))
FULL_EVERY = 60.0  # seconds: the longest an attribute that changed without an event is served from memory
_IFF_UP = 1
_IFINDEX = _ATTRIBUTES.index("ifindex")

Readings = list[tuple[str, list[bytes | None]]]


class Events(Protocol):
    """What the reader asks of exporter.host.link_events.LinkEvents (tests hand in their own)."""

    def changed(self) -> bool: ...

    def confirm(self, consistent: bool) -> None: ...

    def close(self) -> None: ...


def devices(paths: HostPaths) -> list[tuple[str, int]]:
    """The interfaces under /sys/class/net with their entries' inodes (its regular files, such as
    bonding_masters, are not interfaces)."""
    with os.scandir(paths.sys("class", "net")) as it:
        return sorted((e.name, e.inode()) for e in it if not e.is_file(follow_symlinks=False))


class NetClassReader:
    """Reads every interface's attributes through kept descriptors (see exporter.host.kept_files);
    with `events`, only what no link event announces unless one arrived (the module's docstring)."""

    def __init__(self, paths: HostPaths, ignored: re.Pattern[str], ignore_invalid_speed: bool,
                 events: Events | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._paths = paths
        self._ignored = ignored
        self._ignore_invalid_speed = ignore_invalid_speed
        self._events = events
        self._clock = clock
        self._full_at = 0.0
        self.full_reads = 0  # how many collections listed and read everything (tests, debugging)
        self._files = KeptFiles()
        self._device_paths: dict[str, tuple[str, list[str]]] = {}
        self._reread_paths: dict[tuple[str, bool], list[str]] = {}
        self._last_readings: Readings | None = None
        self._last_families: list[Family] = []

    def _paths_of(self, device: str) -> tuple[str, list[str]]:
        paths = self._device_paths.get(device)
        if paths is None:
            base = self._paths.sys("class", "net", device)
            paths = self._device_paths[device] = (base, [f"{base}/{name}" for name in _ATTRIBUTES])
        return paths

    def __call__(self) -> list[Family]:
        readings = None
        if self._events is not None:
            changed = self._events.changed()  # drained first: a change during the reads is seen next time
            now = self._clock()
            if changed or self._last_readings is None or now - self._full_at >= FULL_EVERY:
                self._full_at = now
            else:
                readings = self._reread(self._last_readings)
        if readings is None:
            readings = self._read_all()
            if self._events is not None and self.listening:  # the links are the socket's namespace's
                links = namespace_links()
                self._events.confirm(all((_int(v[_IFINDEX]), d) in links for d, v in readings))
        if readings != self._last_readings:
            self._last_families = self._families(readings)
            self._last_readings = readings
        return self._last_families

    @property
    def listening(self) -> bool:
        """Whether link events spare this reader its full reads (tests, debugging)."""
        return self._events is not None and getattr(self._events, "listening", True)

    def _reread(self, last: Readings) -> Readings | None:
        """The last full reading with the attributes no event announces read again; None (read
        everything) if one cannot be read (an interface removed since: its event is queued)."""
        read = self._files.read_many
        readings = []
        for device, values in last:
            flags = _int(values[_FLAGS])
            up = flags is not None and bool(flags & _IFF_UP)
            indices = _REREAD_UP if up else _REREAD_DOWN
            paths = self._reread_paths.get((device, up))
            if paths is None:
                all_paths = self._paths_of(device)[1]
                paths = self._reread_paths[(device, up)] = [all_paths[i] for i in indices]
            try:
                fresh = read(device, paths, _UNSUPPORTED)
            except (OSError, KeyError):
                return None
            if any(values[i] != v for i, v in zip(indices, fresh, strict=True)):
                values = list(values)
                for i, v in zip(indices, fresh, strict=True):
                    values[i] = v
            readings.append((device, values))
        return readings

    def _read_all(self) -> Readings:
        self.full_reads += 1
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
        for key in [k for k in self._reread_paths if k[0] not in seen]:
            del self._reread_paths[key]
        return readings

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
        if self._events is not None:
            self._events.close()


def make(ctx: CollectorContext, clock: Callable[[], float] = time.monotonic) -> NetClassReader:
    cfg = ctx.config.netclass
    # Link events only for the exporter's own /sys: under a root_prefix it is another mount's view.
    events = LinkEvents.open() if ctx.paths.root_prefix in ("", "/") else None
    return NetClassReader(ctx.paths, re.compile(cfg.ignored_devices), cfg.ignore_invalid_speed, events, clock)
