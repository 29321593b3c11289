"""Load averages from /proc/loadavg."""

from __future__ import annotations

from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptReader, Text, keeps
from exporter.host.paths import HostPaths, read_text
from exporter.sampling.snapshot import LoadAvg


def read_load(paths: HostPaths, text: Text = read_text) -> LoadAvg:
    one, five, fifteen = text(paths.proc("loadavg")).split()[:3]
    return LoadAvg(float(one), float(five), float(fifteen))


def make(ctx: CollectorContext) -> KeptReader[LoadAvg]:
    return KeptReader(lambda text: read_load(ctx.paths, text), keeps(ctx.paths))
