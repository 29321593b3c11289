"""What a collector factory gets: the host paths and the whole configuration."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from exporter.host.paths import HostPaths

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from exporter.config import Config


@dataclass(frozen=True)
class CollectorContext:
    paths: HostPaths
    config: Config
    # statfs(2) for the filesystem collector; tests hand in a hanging one.
    statfs: Callable[[str], Any] | None = None
    # Readers that several collectors share (one per registry), such as the cgroup tree
    # whose CPU samples both the process reader and the cgroup collector use.
    shared: dict[str, Any] = field(default_factory=dict, compare=False)


class Collected(NamedTuple):
    """What a collector with a typed Snapshot field may return: the field's value, plus
    families only /metrics uses (diskstats' discards and udev info beside the page's Disk rows)."""

    value: Any
    families: Sequence[Metric]
