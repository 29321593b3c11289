"""Network counters per interface from /proc/net/dev; up/down from /sys/class/net."""

from __future__ import annotations

from collections.abc import Callable

from exporter.config import NetworkConfig
from exporter.host.context import CollectorContext
from exporter.host.device_filter import device_filter
from exporter.host.paths import HostPaths, read_text
from exporter.sampling.snapshot import NetInterface


def _operstate_up(paths: HostPaths, device: str) -> bool:
    try:
        return read_text(paths.sys("class", "net", device, "operstate")).strip() == "up"
    except OSError:
        return False


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
        result.append(
            NetInterface(
                device=device,
                receive_bytes=n[0],
                receive_packets=n[1],
                receive_errs=n[2],
                receive_drop=n[3],
                transmit_bytes=n[8],
                transmit_packets=n[9],
                transmit_errs=n[10],
                transmit_drop=n[11],
                up=_operstate_up(paths, device),
            )
        )
    return tuple(result)


def make(ctx: CollectorContext) -> Callable[[], tuple[NetInterface, ...]]:
    return lambda: read_network(ctx.paths, ctx.config.network)
