"""node_exporter's `udp_queues` collector: bytes queued in UDP sockets, /proc/net/udp{,6}.

Sums the tx_queue:rx_queue column (hexadecimal) over every socket, per IP version.
A missing file (IPv4 or IPv6 off) leaves its version out; both missing means the
collector is not available here.
"""

from __future__ import annotations

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptReader, Text
from exporter.host.paths import HostPaths, read_text


def _summary(text: str) -> tuple[int, int]:
    tx = rx = 0
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 5:
            continue
        t, _, r = parts[4].partition(":")
        tx += int(t, 16)
        rx += int(r, 16)
    return tx, rx


def read_udp_queues(paths: HostPaths, text: Text = read_text) -> list[GaugeFamily]:
    queues = GaugeFamily("node_udp_queues", "Number of allocated memory in the kernel for UDP datagrams in bytes.",
                         labels=["queue", "ip"])
    missing = 0
    for name, ip in (("udp", "v4"), ("udp6", "v6")):
        try:
            tx, rx = _summary(text(paths.proc("net", name)))
        except FileNotFoundError:
            missing += 1
            if missing == 2:
                raise
            continue
        queues.add_metric(["tx", ip], tx)
        queues.add_metric(["rx", ip], rx)
    return [queues]


def make(ctx: CollectorContext) -> KeptReader[list[GaugeFamily]]:
    return KeptReader(lambda text: read_udp_queues(ctx.paths, text))
