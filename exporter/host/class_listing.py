"""The entries of a /sys/class directory (thermal, power_supply, watchdog), for a collector that
lists it at every collection.

Most servers and VMs have none of these devices: the directory exists, empty, and listing it
(open, two getdents, close, and the Python around them) cost 15-30 µs per collector per scrape
here. So an empty directory is listed again only after EMPTY_RECHECK_SECONDS, the same bound
within which the registry notices a collector's missing file appear (a device plugged in
shows within 10 s); a directory with entries is listed at every collection, so a device that
goes away is never reported after it went.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

EMPTY_RECHECK_SECONDS = 10.0


class ClassListing:
    def __init__(self, root: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.root = root
        self._clock = clock
        self._empty_until = 0.0
        self.listings = 0  # for tests

    def entries(self) -> list[tuple[str, int]]:
        """(name, inode) of each entry, sorted by name; FileNotFoundError when there is no such class."""
        if self._empty_until and self._clock() < self._empty_until:
            return []
        self.listings += 1
        with os.scandir(self.root) as it:
            entries = sorted((e.name, e.inode()) for e in it)
        self._empty_until = 0.0 if entries else self._clock() + EMPTY_RECHECK_SECONDS
        return entries
