"""node_exporter's `netdev` collector: every /proc/net/dev counter per interface, and its up/down state.

/proc/net/dev has 8 receive columns (bytes packets errs drop fifo frame compressed
multicast) and 8 transmit ones (bytes packets errs drop fifo colls carrier
compressed), node_exporter's names; receive_nohandler, which node_exporter reads over
netlink, comes from /sys/class/net/<iface>/statistics/rx_nohandler. The operstate
feeds the page (node_network_up itself is the netclass collector's, as in node_exporter).
"""

from __future__ import annotations

import os

from exporter.config import NetworkConfig
from exporter.host.context import CollectorContext
from exporter.host.device_filter import device_filter
from exporter.host.kept_files import ANY_ERROR, KeptFiles
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

    def __init__(self, paths: HostPaths, config: NetworkConfig) -> None:
        self._paths = paths
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
                return {e.name: e.inode() for e in it}
        except OSError:
            return None

    def __call__(self) -> tuple[NetInterface, ...]:
        result = []
        inodes = self._inodes()
        for line in self._net_dev.read().decode("utf-8", "replace").splitlines()[2:]:
            name, sep, rest = line.partition(":")
            if not sep:
                continue
            device = name.strip()
            if not self._keep(device):
                continue
            parts = rest.split()
            if len(parts) < 16:
                continue
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


def read_network(paths: HostPaths, config: NetworkConfig) -> tuple[NetInterface, ...]:
    """One reading without kept descriptors (tests, one-off use)."""
    reader = NetDevReader(paths, config)
    try:
        return reader()
    finally:
        reader.close()


def make(ctx: CollectorContext) -> NetDevReader:
    return NetDevReader(ctx.paths, ctx.config.network)
