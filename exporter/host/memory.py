"""Memory and swap: every /proc/meminfo field, in bytes, named as node_exporter names them."""

from __future__ import annotations

from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptReader, Text
from exporter.host.paths import HostPaths, read_text
from exporter.sampling.snapshot import Memory


def metric_field_name(raw: str) -> str:
    """node_exporter's rename: "Active(anon)" → "Active_anon"."""
    return raw.replace("(", "_").replace(")", "")


def read_memory(paths: HostPaths, text: Text = read_text) -> Memory:
    fields: dict[str, int] = {}
    counts: set[str] = set()
    for line in text(paths.proc("meminfo")).splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if not parts:
            continue
        key = metric_field_name(name.strip())
        value = int(parts[0])
        if len(parts) > 1 and parts[1] == "kB":
            value *= 1024
        else:
            counts.add(key)
        fields[key] = value
    return Memory(fields, frozenset(counts))


def make(ctx: CollectorContext) -> KeptReader[Memory]:
    return KeptReader(lambda text: read_memory(ctx.paths, text))
