"""The registry: builds the enabled collectors from the table and runs them into a Snapshot.

Each collector is timed and isolated, as node_exporter's registry does: one that
raises is reported as failed (success 0, its error logged once) and leaves its
part of the Snapshot empty; the others go on. A collector whose file does not
exist on this host (FileNotFoundError: no such kernel feature or hardware) is
not called again while that file is still missing: later collections cost one
stat() of the missing path, and the collector comes back as soon as it appears.
It keeps reporting success 0 meanwhile.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from exporter.config import Config
from exporter.host.collectors import COLLECTORS, CollectorSpec, in_partial
from exporter.host.context import Collected, CollectorContext
from exporter.host.paths import HostPaths
from exporter.sampling.snapshot import CollectorResult, Snapshot

log = logging.getLogger(__name__)

# Collector durations are kept to the microsecond: finer digits are noise at this scale (a
# collector takes 5-5,000 µs), and writing 37 full-precision floats cost 22 µs of every
# scrape's rendering against 7 µs for the rounded ones.
DURATION_DIGITS = 6



def enabled_specs(config: Config) -> tuple[CollectorSpec, ...]:
    """The table's collectors that this configuration runs, in table order."""
    disabled = set(config.disabled_collectors)
    enabled = set(config.enabled_collectors)
    if not config.processes.enabled:
        disabled.add("processes")
    return tuple(c for c in COLLECTORS if (c.default or c.name in enabled) and c.name not in disabled)


def build_collector(spec: CollectorSpec, ctx: CollectorContext) -> Callable[[], Any]:
    module, _, function = spec.factory.partition(":")
    factory = getattr(importlib.import_module(module), function)
    return factory(ctx)  # type: ignore[no-any-return]


class HostReader:
    """Runs every enabled collector once per call and returns a Snapshot."""

    def __init__(
        self,
        config: Config,
        *,
        statfs: Callable[[str], Any] | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        ctx = CollectorContext(HostPaths(config.root_prefix), config, statfs)
        self._collectors = [(spec, build_collector(spec, ctx)) for spec in enabled_specs(config)]
        self._partial = [(spec, collect) for spec, collect in self._collectors if in_partial(spec)]
        self._clock = clock
        self._seq = 0
        self._failing: dict[str, str] = {}
        self._missing: dict[str, str] = {}  # collector → the file it missed
        self._monotonic = monotonic
        self._recheck_due: dict[str, float] = {}  # collector → when to look for its file again
        self._lock = threading.Lock()

    @property
    def enabled(self) -> tuple[str, ...]:
        return tuple(spec.name for spec, _ in self._collectors)

    def read(self, partial: bool = False) -> Snapshot:
        """Run every enabled collector, or with `partial` only those the page, the alerts and
        history read (exporter/host/collectors.py); the Snapshot says which it is."""
        with self._lock:
            self._seq += 1
            seq = self._seq
        values: dict[str, Any] = {}
        families: list[Any] = []
        results: list[CollectorResult] = []
        missing_of, failing = self._missing, self._failing
        clock = time.perf_counter
        for spec, collect in self._partial if partial else self._collectors:
            name = spec.name
            missing = missing_of.get(name) if missing_of else None
            if missing is not None and not self._appeared(name, missing):
                results.append(CollectorResult(name, False, 0.0, failing[name], available=False))
                continue
            start = clock()
            try:
                value = collect()
                field = spec.field
                if field is None:
                    families.append((name, tuple(value)))
                elif isinstance(value, Collected):
                    values[field] = value.value
                    families.append((name, tuple(value.families)))
                else:
                    values[field] = value
            except FileNotFoundError as e:  # not on this kernel or hardware: wait for the file to appear
                err = f"not available here: {e.filename or e}"
                if e.filename:
                    missing_of[name] = os.fsdecode(e.filename)
                    self._recheck_due[name] = self._monotonic() + self.MISSING_RECHECK_SECONDS
                self._failed(results, name, err, start)
                continue
            except Exception as e:  # noqa: BLE001 - a failing area must not fail the snapshot
                self._failed(results, name, f"{type(e).__name__}: {e}", start)
                continue
            results.append(CollectorResult(name, True, round(clock() - start, DURATION_DIGITS)))
            if missing is not None or name in failing:  # it failed last time, or its file just appeared
                missing_of.pop(name, None)
                self._log_change(name, True, "")
        return Snapshot(
            timestamp=self._clock(),
            monotonic=time.monotonic(),
            families=tuple(families),
            collectors=tuple(results),
            seq=seq,
            partial=partial,
            **values,
        )

    def _failed(self, results: list[CollectorResult], name: str, err: str, start: float) -> None:
        available = name not in self._missing
        results.append(CollectorResult(name, False, round(time.perf_counter() - start, DURATION_DIGITS), err,
                                       available))
        self._log_change(name, False, err, available)

    # A collector whose file this host lacks looks for it again at most this often: a file
    # that appears (a module loaded, a device plugged in) is served within this many seconds.
    MISSING_RECHECK_SECONDS = 10.0

    def _appeared(self, name: str, path: str) -> bool:
        now = self._monotonic()
        if now < self._recheck_due.get(name, 0.0):
            return False
        self._recheck_due[name] = now + self.MISSING_RECHECK_SECONDS
        return os.path.lexists(path)

    def _log_change(self, name: str, ok: bool, err: str, available: bool = True) -> None:
        """Log a collector failing once, and its recovery once, not on every scrape. One whose files
        this host lacks (no RAID, no NVMe in a VM) is the host's make-up, not a fault: info, not warning."""
        if not ok and name not in self._failing:
            if available:
                log.warning("collector %s failed: %s", name, err)
            else:
                log.info("collector %s failed: %s", name, err)
        elif ok and name in self._failing:
            log.info("collector %s recovered", name)
        if ok:
            self._failing.pop(name, None)
        else:
            self._failing[name] = err

    def close(self) -> None:
        for _spec, collect in self._collectors:
            close = getattr(collect, "close", None)
            if close is not None:
                close()
