"""node_exporter's `vmstat` collector: /proc/vmstat fields matching `vmstat.fields`.

node_exporter's default filter keeps the paging, swapping, fault and OOM-kill
counters (what dashboard 1860's "Memory Vmstat" row draws); they are untyped,
as node_exporter exports them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from exporter.exposition.families import UntypedFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths, read_text


def read_vmstat(paths: HostPaths, fields: re.Pattern[str]) -> list[UntypedFamily]:
    fams = []
    for line in read_text(paths.proc("vmstat")).splitlines():
        key, _, value = line.partition(" ")
        if fields.match(key):
            fams.append(UntypedFamily(f"node_vmstat_{key}", f"/proc/vmstat information field {key}.", float(value)))
    return fams


def make(ctx: CollectorContext) -> Callable[[], list[UntypedFamily]]:
    fields = re.compile(ctx.config.vmstat.fields)
    return lambda: read_vmstat(ctx.paths, fields)
