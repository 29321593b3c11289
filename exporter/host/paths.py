"""One root setting for every host path, so the exporter can run in a container
with the host's / mounted at e.g. /host (node_exporter's --path.rootfs)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class HostPaths:
    root_prefix: str = ""

    def proc(self, *parts: str) -> str:
        return os.path.join(self.root_prefix or "/", "proc", *parts)

    def sys(self, *parts: str) -> str:
        return os.path.join(self.root_prefix or "/", "sys", *parts)

    def rootfs(self, mountpoint: str) -> str:
        """Where a host mount point is reachable from here."""
        if not self.root_prefix:
            return mountpoint
        return os.path.join(self.root_prefix, mountpoint.lstrip("/"))


def read_text(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()
