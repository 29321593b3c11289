"""node_exporter's `softnet` collector: per-CPU packet processing from /proc/net/softnet_stat.

One hexadecimal row per CPU: processed, dropped, time_squeezed at columns 0-2,
cpu_collision at 8, received_rps and flow_limit_count at 9-10 (kernel 4.17+),
backlog length and the CPU's id at 11-12 (5.10+; before, the row number is the CPU).
"""

from __future__ import annotations

from exporter.exposition.families import CounterFamily, Family, GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptReader, Text
from exporter.host.paths import HostPaths, read_text

_COUNTERS = (  # (column, name, help)
    (0, "node_softnet_processed", "Number of processed packets"),
    (1, "node_softnet_dropped", "Number of dropped packets"),
    (2, "node_softnet_times_squeezed", "Number of times processing packets ran out of quota"),
    (8, "node_softnet_cpu_collision",
     "Number of collision occur while obtaining device lock while transmitting"),
    (9, "node_softnet_received_rps", "Number of times cpu woken up received_rps"),
    (10, "node_softnet_flow_limit_count", "Number of times flow limit has been reached"),
)


def read_softnet(paths: HostPaths, text: Text = read_text) -> list[Family]:
    counters = [CounterFamily(name, help_text, labels=["cpu"]) for _col, name, help_text in _COUNTERS]
    backlog = GaugeFamily("node_softnet_backlog_len", "Softnet backlog status", labels=["cpu"])
    for row, line in enumerate(text(paths.proc("net", "softnet_stat")).splitlines()):
        cols = [int(c, 16) for c in line.split()]
        if len(cols) < 9:
            raise ValueError(f"{len(cols)} columns in softnet_stat, at least 9 expected")
        cpu = str(cols[12]) if len(cols) >= 13 else str(row)
        for fam, (col, _name, _help) in zip(counters, _COUNTERS, strict=True):
            fam.add_metric([cpu], cols[col] if col < len(cols) else 0)
        backlog.add_metric([cpu], cols[11] if len(cols) >= 13 else 0)
    return [*counters, backlog]


def make(ctx: CollectorContext) -> KeptReader[list[Family]]:
    return KeptReader(lambda text: read_softnet(ctx.paths, text))
