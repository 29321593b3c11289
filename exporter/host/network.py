"""node_exporter's `netdev` collector: every /proc/net/dev counter per interface, and its up/down state.

/proc/net/dev has 8 receive columns (bytes packets errs drop fifo frame compressed
multicast) and 8 transmit ones (bytes packets errs drop fifo colls carrier
compressed), node_exporter's names; receive_nohandler, which node_exporter reads over
netlink, comes from /sys/class/net/<iface>/statistics/rx_nohandler. The operstate
feeds the page (node_network_up itself is the netclass collector's, as in node_exporter).
"""

from __future__ import annotations

from collections.abc import Callable

from exporter.config import NetworkConfig
from exporter.host.context import CollectorContext
from exporter.host.device_filter import device_filter
from exporter.host.paths import HostPaths, read_text
from exporter.sampling.snapshot import NetInterface


def _sys_value(paths: HostPaths, device: str, *attr: str) -> str | None:
    try:
        return read_text(paths.sys("class", "net", device, *attr)).strip()
    except OSError:
        return None


def read_network(paths: HostPaths, config: NetworkConfig) -> tuple[NetInterface, ...]:
    keep = device_filter(config.device_exclude, config.device_include)
    result = []
    # In a container, /proc/net is the container's own namespace; PID 1's is the host's.
    net_dev = paths.proc("1", "net", "dev") if paths.root_prefix else paths.proc("net", "dev")
    for line in read_text(net_dev).splitlines()[2:]:
        name, sep, rest = line.partition(":")
        if not sep:
            continue
        device = name.strip()
        if not keep(device):
            continue
        n = [int(x) for x in rest.split()]
        if len(n) < 16:
            continue
        nohandler = _sys_value(paths, device, "statistics", "rx_nohandler")
        result.append(
            NetInterface(
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
                up=_sys_value(paths, device, "operstate") == "up",
            )
        )
    return tuple(result)


def make(ctx: CollectorContext) -> Callable[[], tuple[NetInterface, ...]]:
    return lambda: read_network(ctx.paths, ctx.config.network)
