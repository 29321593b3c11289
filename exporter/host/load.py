"""Load averages from /proc/loadavg."""

from __future__ import annotations

from collections.abc import Callable

from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths, read_text
from exporter.sampling.snapshot import LoadAvg


def read_load(paths: HostPaths) -> LoadAvg:
    one, five, fifteen = read_text(paths.proc("loadavg")).split()[:3]
    return LoadAvg(float(one), float(five), float(fifteen))


def make(ctx: CollectorContext) -> Callable[[], LoadAvg]:
    return lambda: read_load(ctx.paths)
