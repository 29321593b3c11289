"""node_exporter's `filefd` collector: allocated and maximum file handles, /proc/sys/fs/file-nr."""

from __future__ import annotations

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptReader, Text
from exporter.host.paths import HostPaths, read_text
from exporter.host.scalars import Scalars


def read_filefd(paths: HostPaths, text: Text = read_text, scalars: Scalars | None = None) -> list[GaugeFamily]:
    family = (scalars or Scalars()).family
    allocated, _unused, maximum = text(paths.proc("sys", "fs", "file-nr")).split()
    return [
        family(GaugeFamily, "node_filefd_allocated", "File descriptor statistics: allocated.", float(allocated)),
        family(GaugeFamily, "node_filefd_maximum", "File descriptor statistics: maximum.", float(maximum)),
    ]


def make(ctx: CollectorContext) -> KeptReader[list[GaugeFamily]]:
    scalars = Scalars()  # an unchanged value: the same family, its line rendered once
    return KeptReader(lambda text: read_filefd(ctx.paths, text, scalars))
