"""node_exporter's `stat` collector: the system counters of /proc/stat.

Forks, context switches, interrupts, boot time and the runnable/blocked process
counts; the per-vector softirq counts only with `stat.softirq` (node_exporter's
--collector.stat.softirq, off by default). The per-CPU seconds are the `cpu`
collector's, which reads the same file for the page's typed CpuInfo, earlier in the
same collection: its text is used here (exporter/host/stat_text.py).
"""

from __future__ import annotations

from exporter.exposition.families import CounterFamily, GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptReader, Text, keeps
from exporter.host.paths import HostPaths, read_text
from exporter.host.scalars import Scalars
from exporter.host.stat_text import shared

# The kernel's softirq vectors, in /proc/stat's order (include/linux/interrupt.h).
SOFTIRQ_VECTORS = ("hi", "timer", "net_tx", "net_rx", "block", "block_iopoll", "tasklet", "sched", "hrtimer", "rcu")


def read_stat(
    paths: HostPaths, softirq: bool, text: Text = read_text, scalars: Scalars | None = None
) -> list[CounterFamily | GaugeFamily]:
    family = (scalars or Scalars()).family
    values: dict[str, list[str]] = {}
    for line in text(paths.proc("stat")).splitlines():
        key, _, rest = line.partition(" ")
        if key == "softirq" and softirq:
            values[key] = rest.split()
        elif not key.startswith("cpu"):
            values[key] = rest.split(None, 1)  # the first number is the total (intr: one more per IRQ)
    fams: list[CounterFamily | GaugeFamily] = [
        family(CounterFamily, "node_intr", "Total number of interrupts serviced.", float(values["intr"][0])),
        family(CounterFamily, "node_context_switches", "Total number of context switches.",
               float(values["ctxt"][0])),
        family(CounterFamily, "node_forks", "Total number of forks.", float(values["processes"][0])),
        family(GaugeFamily, "node_boot_time_seconds", "Node boot time, in unixtime.", float(values["btime"][0])),
        family(GaugeFamily, "node_procs_running", "Number of processes in runnable state.",
               float(values["procs_running"][0])),
        family(GaugeFamily, "node_procs_blocked", "Number of processes blocked waiting for I/O to complete.",
               float(values["procs_blocked"][0])),
    ]
    if softirq and "softirq" in values:
        fam = CounterFamily("node_softirqs", "Number of softirq calls.", labels=["vector"])
        for vector, n in zip(SOFTIRQ_VECTORS, values["softirq"][1:], strict=False):
            fam.add_metric([vector], float(n))
        fams.append(fam)
    return fams


def make(ctx: CollectorContext) -> KeptReader[list[CounterFamily | GaugeFamily]]:
    softirq = ctx.config.stat.softirq
    scalars = Scalars()  # an unchanged value (boot time, blocked): the same family, its line rendered once
    share = shared(ctx)  # the cpu collector's read of this collection, if any (exporter/host/stat_text.py)

    def collect(text: Text) -> list[CounterFamily | GaugeFamily]:
        data = share.take()
        return read_stat(ctx.paths, softirq, text if data is None else (lambda _path: data), scalars)

    return KeptReader(collect, keeps(ctx.paths))
