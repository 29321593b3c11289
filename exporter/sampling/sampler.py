"""Sampler.latest(max_age): the one way anyone gets a Reading.

It collects only when the cached Reading is older than max_age, and concurrent
callers share that one collection (single-flight), so the cost of /metrics and
/data stays flat under load. Each new Reading is handed to the subscribers (in
the order they subscribed, one collection at a time) *before* it is published,
so whoever sees a Reading knows every subscriber has seen it too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from exporter.sampling.reading import Reading, Tops, make_reading
from exporter.sampling.snapshot import Snapshot

log = logging.getLogger(__name__)

Subscriber = Callable[[Reading], None]


class Sampler:
    def __init__(
        self,
        collect: Callable[[], Snapshot],
        max_age: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        top_size: int = 0,
        collect_partial: Callable[[], Snapshot] | None = None,
    ) -> None:
        self._collect = collect
        self._collect_partial = collect_partial or collect
        self._max_age = max_age
        self._monotonic = monotonic
        self._tops = Tops(top_size)
        # Two locks: _collecting makes collections single-flight (held for a whole
        # collection and its subscribers); _state guards the published Reading and is
        # held only for a moment, so serving a cached or stale Reading never waits.
        self._collecting = threading.Lock()
        self._state = threading.Lock()
        self._reading: Reading | None = None
        self._current_at = 0.0
        self._subscribers: list[Subscriber] = []
        self._refreshing = threading.Event()

    def subscribe(self, subscriber: Subscriber) -> None:
        """Called with every new Reading, in subscription order, before it is published."""
        self._subscribers.append(subscriber)

    def latest(self, max_age: float | None = None, stale_ok: float = 0.0, partial_ok: bool = False) -> Reading:
        """The cached Reading if younger than max_age, else a new one.

        With `stale_ok` above max_age, a Reading up to that old is returned at once
        while a fresh one is collected in the background (stale while revalidate):
        the page's polls never wait for a collection. With `partial_ok` a partial
        Reading will do, and one is collected when needed (the collectors the page,
        alerts and history read: `collect_partial`); without it, the caller gets a
        full one (what /metrics renders), collected if the latest is partial."""
        age_limit = self._max_age if max_age is None else max_age
        with self._state:
            reading, at = self._reading, self._current_at
        if reading is not None and (partial_ok or not reading.cur.partial):
            age = self._monotonic() - at
            if age <= age_limit:
                return reading
            if age_limit < age <= stale_ok:
                self._refresh_in_background(age_limit, partial_ok)
                return reading
        with self._collecting:
            with self._state:
                reading, at = self._reading, self._current_at
            if (reading is None or self._monotonic() - at > age_limit
                    or (reading.cur.partial and not partial_ok)):
                snapshot = self._collect_partial() if partial_ok else self._collect()
                reading = make_reading(reading.cur if reading else None, snapshot, tops=self._tops)
                self._notify(reading)
                with self._state:
                    self._reading, self._current_at = reading, self._monotonic()
        return reading

    def _notify(self, reading: Reading) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(reading)
            except Exception:  # noqa: BLE001 - a broken subscriber must not break a scrape
                log.exception("reading subscriber %r failed", subscriber)

    def _refresh_in_background(self, age_limit: float, partial_ok: bool) -> None:
        if self._refreshing.is_set():
            return
        self._refreshing.set()

        def run() -> None:
            try:
                self.latest(age_limit, partial_ok=partial_ok)
            except Exception:  # noqa: BLE001
                log.exception("background collection failed")
            finally:
                self._refreshing.clear()

        threading.Thread(target=run, name="sampler-refresh", daemon=True).start()


class Ticker:
    """A background thread that keeps Readings coming every `period` seconds,
    so alerts, process groups and history advance even when nobody is looking."""

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
                self._sampler.latest(max_age=self._period / 2, partial_ok=True)  # for alerts and history
            except Exception:  # noqa: BLE001
                log.exception("background collection failed")
            self._stop.wait(self._period)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
