"""HistoryRecorder: the sampler-facing side of the history (non-blocking)."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from exporter.history.series import series_from
from exporter.sampling.reading import Reading

if TYPE_CHECKING:  # the store loads sqlite3; only an enabled history needs it
    from exporter.history.store import HistoryStore


class HistoryRecorder:
    """Records at most one Reading per `interval` seconds (by its timestamp); a Sampler subscriber.

    `on_reading` sees every Reading; it decides, flattens and queues, and never
    blocks on the database. A Reading arriving less than `interval` after the last
    recorded one is skipped, with 5 % tolerance so a ticker running at exactly the
    interval does not skip every other sample because of jitter. A timestamp that
    goes backwards by more than one interval (clock step) restarts the pacing.
    """

    def __init__(self, store: HistoryStore, interval: float, hidden: re.Pattern[str]) -> None:
        self.store = store
        self.interval = float(interval)
        self._hidden = hidden
        self._tolerance = 0.05 * self.interval
        self._last: float | None = None
        self._lock = threading.Lock()

    def wants(self, timestamp: float) -> bool:
        """Whether a Reading taken at `timestamp` would be recorded."""
        last = self._last
        if last is None:
            return True
        return timestamp >= last + self.interval - self._tolerance or timestamp < last - self.interval

    def on_reading(self, reading: Reading) -> None:
        """Queue the Reading's series if a sample is due."""
        ts = reading.timestamp
        with self._lock:
            if not self.wants(ts):
                return
            self._last = ts
        values = series_from(reading, self._hidden)
        if values:
            self.store.submit(ts, values)
