"""node_exporter's `conntrack` collector: the netfilter connection table's use and per-CPU statistics.

/proc/sys/net/netfilter/nf_conntrack_{count,max} (absent unless the nf_conntrack
module is loaded: then the collector is not available) and /proc/net/stat/nf_conntrack,
whose per-CPU hexadecimal columns are summed, as node_exporter does (it exports the
sums as gauges). The three files are read at every collection; when the statistics text
is the same as last collection's (no CPU's counters moved), its families are the ones made
from it then, without summing again.
"""

from __future__ import annotations

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptReader, Text
from exporter.host.paths import HostPaths, read_text
from exporter.host.scalars import Scalars

_STATS = (  # (column of /proc/net/stat/nf_conntrack, which is also the metric suffix; help)
    ("found", "Number of searched entries which were successful."),
    ("invalid", "Number of packets seen which can not be tracked."),
    ("ignore", "Number of packets seen which are already connected to a conntrack entry."),
    ("insert", "Number of entries inserted into the list."),
    ("insert_failed", "Number of entries for which list insertion was attempted but failed."),
    ("drop", "Number of packets dropped due to conntrack failure."),
    ("early_drop",
     "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached."),
    ("search_restart",
     "Number of conntrack table lookups which had to be restarted due to hashtable resizes."),
)


def _stat_sums(text: str) -> dict[str, int]:
    lines = text.splitlines()
    header = lines[0].split()
    sums = dict.fromkeys(header, 0)
    for line in lines[1:]:
        for key, value in zip(header, line.split(), strict=False):
            sums[key] += int(value, 16)
    return sums


class StatFamilies:
    """The statistics families of the last statistics text: they depend on that text alone."""

    def __init__(self) -> None:
        self.text: str | None = None
        self.families: list[GaugeFamily] = []


def read_conntrack(paths: HostPaths, text: Text = read_text, scalars: Scalars | None = None,
                   last: StatFamilies | None = None) -> list[GaugeFamily]:
    family = (scalars or Scalars()).family
    netfilter = ("sys", "net", "netfilter")
    entries = float(text(paths.proc(*netfilter, "nf_conntrack_count")))
    limit = float(text(paths.proc(*netfilter, "nf_conntrack_max")))
    fams = [
        family(GaugeFamily, "node_nf_conntrack_entries",
               "Number of currently allocated flow entries for connection tracking.", entries),
        family(GaugeFamily, "node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.", limit),
    ]
    stat_text = text(paths.proc("net", "stat", "nf_conntrack"))
    if last is not None and last.text == stat_text:
        return fams + last.families
    sums = _stat_sums(stat_text)
    stat_fams = [family(GaugeFamily, f"node_nf_conntrack_stat_{column}", help_text, float(sums.get(column, 0)))
                 for column, help_text in _STATS]
    if last is not None:
        last.text, last.families = stat_text, stat_fams
    return fams + stat_fams


def make(ctx: CollectorContext) -> KeptReader[list[GaugeFamily]]:
    scalars = Scalars()  # an unchanged value: the same family, its line rendered once
    last = StatFamilies()  # an unchanged statistics text: its families, not summed again
    return KeptReader(lambda text: read_conntrack(ctx.paths, text, scalars, last))
