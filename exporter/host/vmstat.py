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
from exporter.host.stat_text import StatText, shared_vmstat
from exporter.host.sysfs import KeptFile

# What str.splitlines() also ends a line at, besides "\n": a value may hold none of these for
# the whole-file pattern to give the values that a line-by-line parse gives.
_VALUE = "([^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*)"


class Vmstat:
    """/proc/vmstat kept open (KeptFile); the field regex is matched once per field name.

    The file is some 190 "name value" lines of which the default filter keeps 7, and its names
    are the kernel's fixed table. So after a line-by-line parse the names are remembered as one
    pattern of the whole file (each name literally, then a space and the rest of its line), and
    a later read that the pattern matches in full gives the kept values from its groups, in C;
    the groups are exactly what splitting each line at its first space gives. A text that does
    not match (names added, removed or reordered, a line of another shape) is parsed line by
    line again, as before, and remembered anew."""

    def __init__(self, paths: HostPaths, fields: re.Pattern[str], share: StatText[bytes] | None = None) -> None:
        self._file = KeptFile(paths.proc("vmstat"), 16384)
        self._share = share  # the process reader's reclaim watch takes these bytes (exporter/host/stat_text.py)
        self._fields = fields
        self._wanted: dict[str, bool] = {}
        self._scalars = Scalars()  # an unchanged value: the same family, its line rendered once
        self._pattern: re.Pattern[str] | None = None
        self._plan: list[tuple[str, str]] = []  # (family name, help) of the kept fields, in group order

    def __call__(self) -> list[UntypedFamily]:
        data = self._file.read()
        if self._share is not None:
            self._share.offer(data)
        text = data.decode("ascii", "replace")
        family = self._scalars.text_family
        match = self._pattern.fullmatch(text) if self._pattern is not None else None
        if match is not None:
            return [family(UntypedFamily, name, help_, value)
                    for (name, help_), value in zip(self._plan, match.groups(), strict=True)]
        fams = []
        wanted = self._wanted
        plan = []
        pattern = []
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            ok = wanted.get(key)
            if ok is None:
                ok = wanted[key] = bool(self._fields.match(key))
            if ok:
                name, help_ = f"node_vmstat_{key}", f"/proc/vmstat information field {key}."
                fams.append(family(UntypedFamily, name, help_, value))
                plan.append((name, help_))
            pattern.append(f"{re.escape(key)} {_VALUE if ok else _VALUE[1:-1]}\n")
        self._pattern, self._plan = re.compile("".join(pattern)), plan
        return fams

    def close(self) -> None:
        self._file.close()


def make(ctx: CollectorContext) -> Vmstat:
    return Vmstat(ctx.paths, re.compile(ctx.config.vmstat.fields), shared_vmstat(ctx))
