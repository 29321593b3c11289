"""One root setting for every host path, so the exporter can run in a container
with the host's / mounted at e.g. /host (node_exporter's --path.rootfs)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from exporter.text import decode_bytes

# Joined paths by (root, tree, parts): collectors name the same dozen /proc and /sys files at
# every collection, and os.path.join costs 2-4 µs a call against a dict lookup's 0.1.
_joined: dict[tuple[str, str, tuple[str, ...]], str] = {}
_MAX_JOINED = 4096  # a bound only: per-device and per-CPU names are a few hundred


def _join(root: str, tree: str, parts: tuple[str, ...]) -> str:
    key = (root, tree, parts)
    path = _joined.get(key)
    if path is None:
        path = os.path.join(root or "/", tree, *parts)
        if len(_joined) >= _MAX_JOINED:
            _joined.clear()
        _joined[key] = path
    return path


@dataclass(frozen=True)
class HostPaths:
    root_prefix: str = ""

    def proc(self, *parts: str) -> str:
        return _join(self.root_prefix, "proc", parts)

    def sys(self, *parts: str) -> str:
        return _join(self.root_prefix, "sys", parts)

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
