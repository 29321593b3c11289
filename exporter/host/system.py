"""Host identity: uname (node_uname_info)."""

from __future__ import annotations

import os
import socket

from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptReader, Text, keeps
from exporter.host.paths import HostPaths, read_text
from exporter.sampling.snapshot import Uname


def read_uname(paths: HostPaths, text: Text = read_text) -> Uname:
    u = os.uname()
    try:
        domain = text(paths.proc("sys", "kernel", "domainname")).strip()
    except OSError:
        domain = "(none)"
    nodename = u.nodename
    if paths.root_prefix:
        try:  # the host's name, not the container's
            nodename = text(paths.proc("sys", "kernel", "hostname")).strip() or nodename
        except OSError:
            pass
    return Uname(u.sysname, nodename or socket.gethostname(), u.release, u.version, u.machine, domain)


def make(ctx: CollectorContext) -> KeptReader[Uname]:
    # /proc/sys files kept open: opening one costs several times the read (both are fresh values).
    return KeptReader(lambda text: read_uname(ctx.paths, text), keeps(ctx.paths))
