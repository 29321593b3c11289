"""Hand-built snapshots through the real composition root (exporter.runtime.build_runtime)."""

from __future__ import annotations

import dataclasses
from typing import Any

from prometheus_client import CollectorRegistry

from exporter.config import Config, Duration, config_from_dict
from exporter.runtime import Runtime, build_runtime
from exporter.sampling.snapshot import Snapshot


class ScriptedReader:
    """A HostReader stand-in that hands out the given snapshots in turn, then the last one again.

    It replaces only the host: everything downstream (Sampler, subscribers, views) is the real wiring."""

    def __init__(self, *snapshots: Snapshot) -> None:
        self._queue = list(snapshots)
        self.enabled = ()

    def read(self) -> Snapshot:
        return self._queue.pop(0) if len(self._queue) > 1 else self._queue[0]

    def close(self) -> None:
        pass


def runtime_for(
    *snapshots: Snapshot, config: Config | None = None, history: Any = None, **settings: Any
) -> Runtime:
    """A runtime fed by `snapshots`; each Sampler.latest() takes the next one (sample_max_age < 0)."""
    base: dict[str, Any] = {"dirsize": {"enabled": False}, "history": {"enabled": False}}
    base.update(settings)
    config = dataclasses.replace(config or config_from_dict(base), sample_max_age=Duration(-1))
    return build_runtime(config, reader=ScriptedReader(*snapshots), history=history)  # type: ignore[arg-type]


class ExpositionRegistry(CollectorRegistry):
    """The families of a runtime's latest /metrics rendering, queryable with get_sample_value."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(auto_describe=False)
        self._runtime = runtime

    def collect(self):
        return self._runtime.exposition.families()
