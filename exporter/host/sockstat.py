"""node_exporter's `sockstat` collector: sockets per protocol and state, /proc/net/sockstat{,6}.

Lines such as "TCP: inuse 4 orphan 0 tw 4 alloc 17 mem 1" become
node_sockstat_TCP_inuse and so on; a protocol with a `mem` (pages) also gets
`mem_bytes`. Either file may be missing (IPv4 or IPv6 disabled); both missing
means the collector is not available here.

Both files are read at every collection. A line that reads the same text as at the last
collection (a protocol whose counts did not move) is handed the families made from it
then, the very objects (exporter.host.scalars): its families depend on nothing but its
text, so nothing served is older than this collection's read.
"""

from __future__ import annotations

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptReader, Text
from exporter.host.paths import HostPaths, read_text
from exporter.host.proc_stat import PAGE_SIZE
from exporter.host.scalars import Scalars

_STATES = ("inuse", "orphan", "tw", "alloc", "mem", "memory")  # node_exporter's order per protocol


class LineFamilies:
    """The families of each line of the last collection, by (file, line text)."""

    def __init__(self) -> None:
        self._last: dict[tuple[bool, str], list[GaugeFamily]] = {}
        self._now: dict[tuple[bool, str], list[GaugeFamily]] = {}

    def get(self, ipv6: bool, line: str) -> list[GaugeFamily] | None:
        return self._last.get((ipv6, line))

    def put(self, ipv6: bool, line: str, fams: list[GaugeFamily]) -> None:
        self._now[(ipv6, line)] = fams

    def end(self) -> None:
        """A collection is done: keep only its lines (a bound: two files of a dozen lines)."""
        self._last, self._now = self._now, {}


def _families(text: str, ipv6: bool, scalars: Scalars, lines: LineFamilies | None = None) -> list[GaugeFamily]:
    fams: list[GaugeFamily] = []
    for line in text.splitlines():
        kept = lines.get(ipv6, line) if lines is not None else None
        if kept is None:
            kept = _line_families(line, ipv6, scalars)
        if lines is not None:
            lines.put(ipv6, line, kept)
        fams.extend(kept)
    return fams


def _line_families(line: str, ipv6: bool, scalars: Scalars) -> list[GaugeFamily]:
    """The families of one line such as "TCP: inuse 4 orphan 0 tw 4 alloc 17 mem 1"."""
    fams: list[GaugeFamily] = []
    family = scalars.family
    head, _, rest = line.partition(":")
    parts = rest.split()
    values = dict(zip(parts[::2], parts[1::2], strict=False))
    if head == "sockets":
        if not ipv6 and "used" in values:
            fams.append(family(GaugeFamily, "node_sockstat_sockets_used", "Number of IPv4 sockets in use.",
                               float(values["used"])))
        return fams
    if "mem" in values:
        values["mem_bytes"] = str(int(values["mem"]) * PAGE_SIZE)
    for state in (*_STATES, "mem_bytes"):
        if state in values:
            fams.append(family(GaugeFamily, f"node_sockstat_{head}_{state}",
                               f"Number of {head} sockets in state {state}.", float(values[state])))
    return fams


def read_sockstat(paths: HostPaths, text: Text = read_text, scalars: Scalars | None = None,
                  lines: LineFamilies | None = None) -> list[GaugeFamily]:
    scalars = scalars or Scalars()
    fams: list[GaugeFamily] = []
    missing = 0
    try:
        for name, ipv6 in (("sockstat", False), ("sockstat6", True)):
            try:
                fams.extend(_families(text(paths.proc("net", name)), ipv6, scalars, lines))
            except FileNotFoundError:
                missing += 1
                if missing == 2:
                    raise
    finally:
        if lines is not None:
            lines.end()
    return fams


def make(ctx: CollectorContext) -> KeptReader[list[GaugeFamily]]:
    scalars = Scalars()  # an unchanged value: the same family, its line rendered once
    lines = LineFamilies()  # an unchanged line: its families, not even parsed again
    return KeptReader(lambda text: read_sockstat(ctx.paths, text, scalars, lines))
