"""Token buckets keyed by a name (a scan root, a client address), bounded in memory.

Used to keep one client, or every client together, from starting directory rescans
without limit (issue 16: 70 full rescans in 20 s from one client). A bucket holds
`burst` tokens and regains one every `per` seconds; `take` says how long to wait when
empty, which becomes the 429's Retry-After. At most `max_keys` buckets are kept (the
least recently used go first), so many addresses cannot grow memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    def __init__(self, burst: int, per: float, *, max_keys: int = 1024,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if burst < 1 or per <= 0:
            raise ValueError("burst must be at least 1 and per positive")
        self.burst = burst
        self.per = per
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def take(self, key: str) -> float:
        """Take a token for `key`: 0.0 if granted, else the seconds until one is available."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) / self.per)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) * self.per
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            return wait
