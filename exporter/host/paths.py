"""One root setting for every host path, so the exporter can run in a container
with the host's / mounted at e.g. /host (node_exporter's --path.rootfs)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from exporter.text import decode_bytes


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
    # Raw bytes, decoded once: a text-mode file object costs more than the read itself
    # for these small /proc and /sys files, and they have no \r\n to translate.
    with open(path, "rb", buffering=0) as f:
        return decode_bytes(f.read())  # invalid UTF-8 (a mount point's name): one U+FFFD per run
