"""Sampler.latest(max_age): the one way readers get a Snapshot.

It collects only when the cached snapshot is older than max_age, and
concurrent callers share that one collection (single-flight), so the cost of
/metrics and /data stays flat under load. The previous snapshot is kept so
rates come from consecutive snapshots, never from sleeping in a request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from exporter.sampling.snapshot import Snapshot

log = logging.getLogger(__name__)

Listener = Callable[[Snapshot | None, Snapshot], None]


class Sampler:
    def __init__(
        self,
        collect: Callable[[], Snapshot],
        max_age: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._collect = collect
        self._max_age = max_age
        self._monotonic = monotonic
        # Two locks: _collecting makes collections single-flight (held for a whole
        # collection); _state guards the (previous, current) pair and is held only
        # for a moment, so serving a cached or stale snapshot never waits.
        self._collecting = threading.Lock()
        self._state = threading.Lock()
        self._pair: tuple[Snapshot | None, Snapshot] | None = None
        self._current_at = 0.0
        self._listeners: list[Listener] = []
        self._refreshing = threading.Event()
        self.collections = 0

    def subscribe(self, listener: Listener) -> None:
        """Called with (previous, new) after each new collection, outside the locks."""
        self._listeners.append(listener)

    def latest(self, max_age: float | None = None, stale_ok: float = 0.0) -> Snapshot:
        """The cached snapshot if younger than max_age, else a new one.

        With `stale_ok` above max_age, a snapshot up to that old is returned at
        once while a fresh one is collected in the background (stale while
        revalidate): the page's polls never wait for a collection."""
        return self.pair(max_age, stale_ok)[1]

    def pair(self, max_age: float | None = None, stale_ok: float = 0.0) -> tuple[Snapshot | None, Snapshot]:
        """(previous, latest): a snapshot with the one collected before it, what rates come from."""
        age_limit = self._max_age if max_age is None else max_age
        with self._state:
            pair, at = self._pair, self._current_at
        if pair is not None:
            age = self._monotonic() - at
            if age <= age_limit:
                return pair
            if age_limit < age <= stale_ok:
                self._refresh_in_background(age_limit)
                return pair
        fresh: Snapshot | None = None
        with self._collecting:
            with self._state:
                pair, at = self._pair, self._current_at
            if pair is None or self._monotonic() - at > age_limit:
                fresh = self._collect()
                self.collections += 1
                pair = (pair[1] if pair else None, fresh)
                with self._state:
                    self._pair, self._current_at = pair, self._monotonic()
        if fresh is not None:
            for listener in self._listeners:
                try:
                    listener(pair[0], fresh)
                except Exception:  # noqa: BLE001 - a broken listener must not break a scrape
                    log.exception("snapshot listener failed")
        return pair

    def _refresh_in_background(self, age_limit: float) -> None:
        if self._refreshing.is_set():
            return
        self._refreshing.set()

        def run() -> None:
            try:
                self.pair(age_limit)
            except Exception:  # noqa: BLE001
                log.exception("background collection failed")
            finally:
                self._refreshing.clear()

        threading.Thread(target=run, name="sampler-refresh", daemon=True).start()


class Ticker:
    """A background thread that keeps snapshots coming every `period` seconds,
    so alerts and history advance even when nobody is looking."""

    def __init__(self, sampler: Sampler, period: float) -> None:
        self._sampler = sampler
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._sampler.latest(max_age=self._period / 2)
            except Exception:  # noqa: BLE001
                log.exception("background collection failed")
            self._stop.wait(self._period)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
