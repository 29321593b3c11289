"""node_exporter's `netdev` collector: every /proc/net/dev counter per interface, and its up/down state.

/proc/net/dev has 8 receive columns (bytes packets errs drop fifo frame compressed
multicast) and 8 transmit ones (bytes packets errs drop fifo colls carrier
compressed), node_exporter's names; receive_nohandler, which node_exporter reads over
netlink, comes from /sys/class/net/<iface>/statistics/rx_nohandler. The operstate
feeds the page (node_network_up itself is the netclass collector's, as in node_exporter).

/proc/net/dev and every rx_nohandler are read at every collection. Without a root_prefix
the reader also listens for link events (exporter/host/link_events.py, as netclass does):
while none arrived, no interface was added, removed, renamed or replaced, and no operstate
moved (the kernel announces each, see exporter/host/netclass.py), so the listing of
/sys/class/net that checks each interface's kept descriptors and the operstate reads are
skipped and the last operstate is used. Any event, an overrun or error, an interface not
seen before, and at least every FULL_EVERY (60) seconds, the listing and the reads are done
as without events.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from exporter.config import NetworkConfig
from exporter.host.context import CollectorContext
from exporter.host.device_filter import device_filter
from exporter.host.kept_files import ANY_ERROR, KeptFiles
from exporter.host.link_events import LinkEvents
from exporter.host.netclass import FULL_EVERY, Events
from exporter.host.paths import HostPaths
from exporter.host.sysfs import KeptFile
from exporter.sampling.snapshot import NetInterface


def _decoded(value: bytes | None) -> str | None:
    """The attribute's text, None if absent or not UTF-8 (both taken as "cannot be read")."""
    if value is None:
        return None
    try:
        return value.decode().strip()
    except UnicodeDecodeError:
        return None


class NetDevReader:
    """/proc/net/dev once per collection and each interface's two sysfs attributes, through kept descriptors."""

    def __init__(self, paths: HostPaths, config: NetworkConfig, events: Events | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._paths = paths
        self._events = events
        self._clock = clock
        self._full_at = 0.0
        self.full_reads = 0  # collections that listed /sys/class/net and read every operstate (tests)
        self._listed: set[str] | None = None  # the interfaces the last listing of /sys/class/net showed
        self._proc_names: set[str] = set()  # every interface of the last /proc/net/dev read
        self._keep = device_filter(config.device_exclude, config.device_include)
        self._files = KeptFiles()
        self._device_paths: dict[str, tuple[str, list[str]]] = {}  # device → (directory, its two files)
        # device → (its /proc/net/dev text and two raw sysfs values, the NetInterface made of them):
        # an interface whose counters and state read the same is handed the same object again.
        self._last: dict[str, tuple[tuple[str, bytes | None, bytes | None], NetInterface]] = {}
        # In a container, /proc/net is the container's own namespace; PID 1's is the host's.
        self._net_dev = KeptFile(paths.proc("1", "net", "dev") if paths.root_prefix else paths.proc("net", "dev"))

    def _sys_values(self, device: str, inodes: dict[str, int] | None) -> list[bytes | None]:
        """rx_nohandler and operstate, None for one that cannot be read. The interface's entry is
        checked against the inode of this collection's listing of /sys/class/net (one scandir for
        every interface instead of a stat each)."""
        paths = self._device_paths.get(device)
        if paths is None:
            base = self._paths.sys("class", "net", device)
            paths = self._device_paths[device] = (base, [f"{base}/statistics/rx_nohandler", f"{base}/operstate"])
        if inodes is None or device not in inodes:
            return [None, None]
        try:
            self._files.check(device, paths[0], inodes[device])
            return self._files.read_many(device, paths[1], ANY_ERROR)
        except OSError:
            return [None, None]

    def _inodes(self) -> dict[str, int] | None:
        try:
            with os.scandir(self._paths.sys("class", "net")) as it:
                entries = [(e.name, e.inode(), e.is_file(follow_symlinks=False)) for e in it]
        except OSError:
            self._listed = None
            return None
        self._listed = {name for name, _ino, is_file in entries if not is_file}  # bonding_masters is a file
        return {name: ino for name, ino, _is_file in entries}

    def _quiet(self) -> bool:
        """Whether this collection may skip the listing and the operstate reads (no link event)."""
        if self._events is None:
            return False
        changed = self._events.changed()  # drained first: a change during the reads is seen next time
        now = self._clock()
        if changed or not self._last or now - self._full_at >= FULL_EVERY:
            self._full_at = now
            return False
        return True

    def _nohandler_only(self, device: str) -> list[bytes | None] | None:
        """rx_nohandler read again, operstate as last read; None if the interface is not known."""
        last = self._last.get(device)
        paths = self._device_paths.get(device)
        if last is None or paths is None:
            return None
        try:
            return [self._files.read_many(device, paths[1][:1], ANY_ERROR)[0], last[0][2]]
        except KeyError:  # no kept group: its check failed at the last full read
            return None

    def __call__(self) -> tuple[NetInterface, ...]:
        if self._quiet():
            result = self._collect(quiet=True)
            if result is not None:
                return result
        self.full_reads += 1
        result = self._collect(quiet=False)
        if self._events is not None and getattr(self._events, "listening", True):
            # /sys/class/net shows this namespace's links (link_events.py)
            self._events.confirm(self._listed == self._proc_names)
        return result  # type: ignore[return-value]  # never None when not quiet

    def _collect(self, quiet: bool) -> tuple[NetInterface, ...] | None:
        result = []
        inodes = None if quiet else self._inodes()
        names = self._proc_names = set()
        for line in self._net_dev.read().decode("utf-8", "replace").splitlines()[2:]:
            name, sep, rest = line.partition(":")
            if not sep:
                continue
            device = name.strip()
            names.add(device)
            if not self._keep(device):
                continue
            parts = rest.split()
            if len(parts) < 16:
                continue
            if quiet:
                quiet_raw = self._nohandler_only(device)
                if quiet_raw is None:  # an interface not seen before (its event is queued): read everything
                    return None
                raw = quiet_raw
            else:
                raw = self._sys_values(device, inodes)
            key = (rest, raw[0], raw[1])
            last = self._last.get(device)
            if last is not None and last[0] == key:  # an idle interface: the same reading as last time
                result.append(last[1])
                continue
            n = [int(x) for x in parts]
            nohandler, operstate = map(_decoded, raw)
            iface = NetInterface(
                device=device,
                receive_bytes=n[0],
                receive_packets=n[1],
                receive_errs=n[2],
                receive_drop=n[3],
                receive_fifo=n[4],
                receive_frame=n[5],
                receive_compressed=n[6],
                receive_multicast=n[7],
                transmit_bytes=n[8],
                transmit_packets=n[9],
                transmit_errs=n[10],
                transmit_drop=n[11],
                transmit_fifo=n[12],
                transmit_colls=n[13],
                transmit_carrier=n[14],
                transmit_compressed=n[15],
                receive_nohandler=int(nohandler) if nohandler else None,
                up=operstate == "up",
            )
            self._last[device] = (key, iface)
            result.append(iface)
        seen = {n.device for n in result}
        for gone in [d for d in self._last if d not in seen]:
            del self._last[gone]
        self._files.retain(seen)
        for gone in [d for d in self._device_paths if d not in seen]:
            del self._device_paths[gone]
        return tuple(result)

    def close(self) -> None:
        self._files.close()
        self._net_dev.close()
        if self._events is not None:
            self._events.close()


def read_network(paths: HostPaths, config: NetworkConfig) -> tuple[NetInterface, ...]:
    """One reading without kept descriptors (tests, one-off use)."""
    reader = NetDevReader(paths, config)
    try:
        return reader()
    finally:
        reader.close()


def make(ctx: CollectorContext, clock: Callable[[], float] = time.monotonic) -> NetDevReader:
    # Link events only for the exporter's own /sys and /proc/net (see exporter/host/netclass.py).
    events = LinkEvents.open() if ctx.paths.root_prefix in ("", "/") else None
    return NetDevReader(ctx.paths, ctx.config.network, events, clock)
