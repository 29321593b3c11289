"""node_exporter's `softirqs` collector (off by default): /proc/softirqs per softirq type and CPU."""

from __future__ import annotations

from collections.abc import Callable

from exporter.exposition.families import CounterFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths, read_text


def read_softirqs(paths: HostPaths) -> list[CounterFamily]:
    lines = read_text(paths.proc("softirqs")).splitlines()
    cpus = [c[3:] for c in lines[0].split()] if lines else []
    fam = CounterFamily("node_softirqs_functions", "Softirq counts per CPU.", labels=["cpu", "type"])
    for line in lines[1:]:
        name, _, values = line.partition(":")
        for cpu, value in zip(cpus, values.split(), strict=False):
            fam.add_metric([cpu, name.strip()], float(value))
    return [fam]


def make(ctx: CollectorContext) -> Callable[[], list[CounterFamily]]:
    return lambda: read_softirqs(ctx.paths)
