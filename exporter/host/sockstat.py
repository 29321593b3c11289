"""node_exporter's `sockstat` collector: sockets per protocol and state, /proc/net/sockstat{,6}.

Lines such as "TCP: inuse 4 orphan 0 tw 4 alloc 17 mem 1" become
node_sockstat_TCP_inuse and so on; a protocol with a `mem` (pages) also gets
`mem_bytes`. Either file may be missing (IPv4 or IPv6 disabled); both missing
means the collector is not available here.
"""

from __future__ import annotations

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptReader, Text
from exporter.host.paths import HostPaths, read_text
from exporter.host.proc_stat import PAGE_SIZE
from exporter.host.scalars import Scalars

_STATES = ("inuse", "orphan", "tw", "alloc", "mem", "memory")  # node_exporter's order per protocol


def _families(text: str, ipv6: bool, scalars: Scalars) -> list[GaugeFamily]:
    fams = []
    family = scalars.family
    for line in text.splitlines():
        head, _, rest = line.partition(":")
        parts = rest.split()
        values = dict(zip(parts[::2], parts[1::2], strict=False))
        if head == "sockets":
            if not ipv6 and "used" in values:
                fams.append(family(GaugeFamily, "node_sockstat_sockets_used", "Number of IPv4 sockets in use.",
                                   float(values["used"])))
            continue
        if "mem" in values:
            values["mem_bytes"] = str(int(values["mem"]) * PAGE_SIZE)
        for state in (*_STATES, "mem_bytes"):
            if state in values:
                fams.append(family(GaugeFamily, f"node_sockstat_{head}_{state}",
                                   f"Number of {head} sockets in state {state}.", float(values[state])))
    return fams


def read_sockstat(paths: HostPaths, text: Text = read_text, scalars: Scalars | None = None) -> list[GaugeFamily]:
    scalars = scalars or Scalars()
    fams: list[GaugeFamily] = []
    missing = 0
    for name, ipv6 in (("sockstat", False), ("sockstat6", True)):
        try:
            fams.extend(_families(text(paths.proc("net", name)), ipv6, scalars))
        except FileNotFoundError:
            missing += 1
            if missing == 2:
                raise
    return fams


def make(ctx: CollectorContext) -> KeptReader[list[GaugeFamily]]:
    scalars = Scalars()  # an unchanged value: the same family, its line rendered once
    return KeptReader(lambda text: read_sockstat(ctx.paths, text, scalars))
