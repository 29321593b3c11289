"""node_exporter's `arp` collector: ARP entries per device, from /proc/net/arp.

node_exporter reads them over netlink by default (`--collector.arp.netlink`); the
count per device is the same as in /proc/net/arp, which needs no socket.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.device_filter import device_filter
from exporter.host.kept_files import KeptReader, Text
from exporter.host.paths import HostPaths, read_text


def read_arp(paths: HostPaths, keep: Callable[[str], bool], text: Text = read_text) -> list[GaugeFamily]:
    counts: Counter[str] = Counter()
    for line in text(paths.proc("net", "arp")).splitlines()[1:]:
        parts = line.split()
        if parts:
            counts[parts[-1]] += 1
    entries = GaugeFamily("node_arp_entries", "ARP entries by device", labels=["device"])
    for device, n in sorted(counts.items()):
        if keep(device):
            entries.add_metric([device], n)
    return [entries]


def make(ctx: CollectorContext) -> KeptReader[list[GaugeFamily]]:
    keep = device_filter(ctx.config.arp.device_exclude, ctx.config.arp.device_include)
    return KeptReader(lambda text: read_arp(ctx.paths, keep, text))
