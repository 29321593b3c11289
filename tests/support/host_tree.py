"""A small fake host tree in tmp_path and the samples a collector yields on it.

For unit tests of one collector on hand-written /proc and /sys files; the whole
node_exporter fixture tree is tests/support/node_fixtures.py's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from exporter.config import config_from_dict
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (path relative to root → content) and return root."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def context(root: Path, **config: Any) -> CollectorContext:
    cfg = config_from_dict({"root_prefix": str(root), **config})
    return CollectorContext(HostPaths(str(root)), cfg)


def samples(families: Iterable[Any]) -> Samples:
    """{(sample name, sorted labels): value} of families, as a scrape would show them."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}


def collect(make: Callable[[CollectorContext], Callable[[], Any]], root: Path, **config: Any) -> Samples:
    return samples(make(context(root, **config))())
