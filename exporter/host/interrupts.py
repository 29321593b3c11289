"""node_exporter's `interrupts` collector: /proc/interrupts per interrupt and CPU.

node_interrupts_total{cpu,type,info,devices}: `type` is the IRQ number or the
kernel's mnemonic (LOC, NMI, RES...), `info` the chip and trigger of a numbered
IRQ or the description of a named one, `devices` the drivers sharing a numbered
IRQ. Lines with fewer columns than CPUs (ERR, MIS) are left out, as in
node_exporter. Series grow as CPUs × IRQs (about 30 per CPU on a small VM).
"""

from __future__ import annotations

from collections.abc import Callable

from exporter.exposition.families import CounterFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths, read_text


def read_interrupts(paths: HostPaths) -> list[CounterFamily]:
    lines = read_text(paths.proc("interrupts")).splitlines()
    cpus = [c[3:] for c in lines[0].split()] if lines else []
    ncpu = len(cpus)
    fam = CounterFamily("node_interrupts", "Interrupt details.", labels=["cpu", "type", "info", "devices"])
    for line in lines[1:]:
        parts = line.split()
        if len(parts) < ncpu + 2:
            continue
        name = parts[0][:-1]
        if name.isdigit():
            info, devices = parts[ncpu + 1], " ".join(parts[ncpu + 2:])
        else:
            info, devices = " ".join(parts[ncpu + 1:]), ""
        for cpu, value in zip(cpus, parts[1 : ncpu + 1], strict=True):
            fam.add_metric([cpu, name, info, devices], float(value))
    return [fam]


def make(ctx: CollectorContext) -> Callable[[], list[CounterFamily]]:
    return lambda: read_interrupts(ctx.paths)
