"""node_exporter's `vmstat` collector: /proc/vmstat fields matching `vmstat.fields`.

node_exporter's default filter keeps the paging, swapping, fault and OOM-kill
counters (what dashboard 1860's "Memory Vmstat" row draws); they are untyped,
as node_exporter exports them.
"""

from __future__ import annotations

import re

from exporter.exposition.families import UntypedFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths
from exporter.host.scalars import Scalars
from exporter.host.sysfs import KeptFile


class Vmstat:
    """/proc/vmstat kept open (KeptFile); the field regex is matched once per field name."""

    def __init__(self, paths: HostPaths, fields: re.Pattern[str]) -> None:
        self._file = KeptFile(paths.proc("vmstat"), 16384)
        self._fields = fields
        self._wanted: dict[str, bool] = {}
        self._scalars = Scalars()  # an unchanged value: the same family, its line rendered once

    def __call__(self) -> list[UntypedFamily]:
        fams = []
        wanted = self._wanted
        family = self._scalars.family
        for line in self._file.read().decode("ascii", "replace").splitlines():
            key, _, value = line.partition(" ")
            ok = wanted.get(key)
            if ok is None:
                ok = wanted[key] = bool(self._fields.match(key))
            if ok:
                fams.append(family(UntypedFamily, f"node_vmstat_{key}", f"/proc/vmstat information field {key}.",
                                   float(value)))
        return fams

    def close(self) -> None:
        self._file.close()


def make(ctx: CollectorContext) -> Vmstat:
    return Vmstat(ctx.paths, re.compile(ctx.config.vmstat.fields))
