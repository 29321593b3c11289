"""Host identity: uname (node_uname_info)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths, read_text
from exporter.sampling.snapshot import Uname


def read_uname(paths: HostPaths) -> Uname:
    u = os.uname()
    try:
        domain = read_text(paths.proc("sys", "kernel", "domainname")).strip()
    except OSError:
        domain = "(none)"
    nodename = u.nodename
    if paths.root_prefix:
        try:  # the host's name, not the container's
            nodename = read_text(paths.proc("sys", "kernel", "hostname")).strip() or nodename
        except OSError:
            pass
    return Uname(u.sysname, nodename or socket.gethostname(), u.release, u.version, u.machine, domain)


def make(ctx: CollectorContext) -> Callable[[], Uname]:
    return lambda: read_uname(ctx.paths)
