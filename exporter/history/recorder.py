"""HistoryRecorder: the sampler-facing side of the history (non-blocking)."""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any

from exporter.history.series import series_from_data

if TYPE_CHECKING:  # the store loads sqlite3; only an enabled history needs it
    from exporter.history.store import HistoryStore


class HistoryRecorder:
    """Records at most one `/data` view per `interval` seconds (by its ``timestamp``).

    `offer` is called for every new snapshot; it decides, flattens and queues, and
    never blocks on the database. A view arriving less than `interval` after the
    last recorded one is skipped, with 5 % tolerance so a ticker running at exactly
    the interval does not skip every other sample because of jitter. A timestamp
    that goes backwards by more than one interval (clock step) restarts the pacing.
    """

    def __init__(self, store: HistoryStore, interval: float) -> None:
        self.store = store
        self.interval = float(interval)
        self._tolerance = 0.05 * self.interval
        self._last: float | None = None
        self._lock = threading.Lock()
        self.recorded = 0
        self.skipped = 0

    def wants(self, timestamp: float) -> bool:
        """Whether a snapshot taken at `timestamp` would be recorded (to skip building the view)."""
        last = self._last
        if last is None:
            return True
        return timestamp >= last + self.interval - self._tolerance or timestamp < last - self.interval

    def offer(self, data: dict[str, Any]) -> bool:
        """Queue the view's series if a sample is due; True when it was queued."""
        ts = data.get("timestamp") if isinstance(data, dict) else None
        if isinstance(ts, bool) or not isinstance(ts, (int, float)) or not math.isfinite(ts):
            return False
        with self._lock:
            if not self.wants(ts):
                self.skipped += 1
                return False
            self._last = float(ts)
            self.recorded += 1
        values = series_from_data(data)
        if values:
            self.store.submit(float(ts), values)
        return True
