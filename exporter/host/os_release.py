"""node_exporter's `os` collector: node_os_info and node_os_version from os-release.

Reads <root>/etc/os-release, else <root>/usr/lib/os-release (os-release(5)'s
order). The file changes only on upgrades, so it is parsed again only when its
mtime changes.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths, read_text

INFO_LABELS = ("build_id", "id", "id_like", "image_id", "image_version", "name", "pretty_name", "variant",
               "variant_id", "version", "version_codename", "version_id")
_MAJOR_MINOR = re.compile(r"^([0-9]+)(\.[0-9]+)?")


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines, values unquoted as a shell would (os-release(5))."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        try:
            words = shlex.split(value)
        except ValueError:
            continue
        out[key.strip()] = words[0] if words else ""
    return out


def os_families(fields: dict[str, str]) -> list[GaugeFamily]:
    info = GaugeFamily(
        "node_os_info",
        "A metric with a constant '1' value labeled by " + ", ".join(INFO_LABELS) + ".",
        labels=list(INFO_LABELS),
    )
    info.add_metric([fields.get(label.upper(), "") for label in INFO_LABELS], 1.0)
    version = GaugeFamily(
        "node_os_version", "Metric containing the major.minor part of the OS version.", labels=["id", "id_like", "name"]
    )
    m = _MAJOR_MINOR.match(fields.get("VERSION_ID", ""))
    version.add_metric([fields.get("ID", ""), fields.get("ID_LIKE", ""), fields.get("NAME", "")],
                       float(m.group(0)) if m else 0.0)
    return [info, version]


class OsReader:
    def __init__(self, paths: HostPaths) -> None:
        self._candidates = [paths.rootfs("/etc/os-release"), paths.rootfs("/usr/lib/os-release")]
        self._cached: tuple[str, float, list[GaugeFamily]] | None = None

    def __call__(self) -> list[GaugeFamily]:
        for path in self._candidates:
            try:
                mtime = os.stat(path).st_mtime
            except FileNotFoundError:
                continue
            if self._cached is None or self._cached[:2] != (path, mtime):
                self._cached = (path, mtime, os_families(parse_os_release(read_text(path))))
            return self._cached[2]
        raise FileNotFoundError(2, "no os-release", self._candidates[0])


def make(ctx: CollectorContext) -> Callable[[], list[GaugeFamily]]:
    return OsReader(ctx.paths)
