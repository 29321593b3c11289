"""What a collector factory gets: the host paths and the whole configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from exporter.host.paths import HostPaths

if TYPE_CHECKING:
    from exporter.config import Config


@dataclass(frozen=True)
class CollectorContext:
    paths: HostPaths
    config: Config
    # statfs(2) for the filesystem collector; tests hand in a hanging one.
    statfs: Callable[[str], Any] | None = None
