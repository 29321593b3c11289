"""Whether the kernel took pages from processes since the last look, from /proc/vmstat.

A process that does not run does not fault pages in, so its resident set only changes
when something else acts on its memory. The common case by far is reclaim: kswapd, direct
reclaim, khugepaged or proactive reclaim stealing pages (`pgsteal_*`), swap-out
(`pswpout`), and khugepaged collapsing a range into a huge page (`thp_collapse_alloc`,
which can raise RSS). While none of these counters moves, the process reader can keep
serving a sleeping process's last reading for much longer (ProcessReader's
QUIET_REFRESH_SECONDS). Other ways remain that vmstat does not count (another process's
process_madvise(MADV_PAGEOUT), a file it maps truncated by another): that longer period
bounds them.

The file is read through a descriptor kept open, one pread per collection (about 20 µs),
unless the vmstat collector read it in this collection (exporter/host/stat_text.py).
If it cannot be read, the answer is always "moved": the reader then keeps its short
refresh period, as without this watch.
"""

from __future__ import annotations

import math
import os

from exporter.host.stat_text import StatText

_ALSO = (b"\npswpout ", b"\nthp_collapse_alloc ")


def _counters(data: bytes) -> list[bytes]:
    """The lines from the first pgsteal_ counter to the last (the reclaim block: steals, scans,
    demotions; all of them move only while the kernel reclaims), and the pswpout and
    thp_collapse_alloc lines: a few finds instead of parsing 180 lines (a regex took 40 µs)."""
    first = data.find(b"\npgsteal_")
    if first < 0:
        return []
    end = data.find(b"\n", data.rfind(b"\npgsteal_") + 1)
    parts = [data[first:end]]
    for key in _ALSO:
        at = data.find(key)
        if at >= 0:
            parts.append(data[at:data.find(b"\n", at + 1)])
    return parts


class ReclaimWatch:
    def __init__(self, vmstat_path: str, share: StatText[bytes] | None = None) -> None:
        self._path = vmstat_path
        self._share = share  # the vmstat collector's read of this collection, if any (exporter/host/stat_text.py)
        self._fd = -1
        self._last: list[bytes] | None = None

    def moved(self) -> bool:
        """True when a reclaim counter moved since the last call, or /proc/vmstat cannot be
        read (not on the first call: the readings taken then are fresh)."""
        data = self._share.take() if self._share is not None else None
        try:
            if data is None:
                if self._fd < 0:
                    self._fd = os.open(self._path, os.O_RDONLY | os.O_CLOEXEC)
                data = os.pread(self._fd, 65536, 0)
        except OSError:
            self.close()
            self._last = None
            return True
        now = _counters(data)
        if not now:  # not a vmstat we understand: assume the worst
            self._last = None
            return True
        moved = self._last is not None and now != self._last
        self._last = now
        return moved

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class RefreshPeriods:
    """How long a sleeping process's reading may be served before it is read again.

    `short` seconds while the kernel reclaims (a counter moved within the last `short`
    seconds), `long` otherwise. A reading is due at the end of the period it was taken
    in; periods are phased by a key (the reader uses its cgroup's, so that a quiet
    cgroup's members fall due together). `update()` says when the period has just turned
    short: the caller must then bring the readings due at the long period's end forward.
    """

    def __init__(self, watch: ReclaimWatch, short: float, long: float) -> None:
        self._watch = watch
        self.short, self.long = short, long
        self.period = short
        self._short_until = 0.0

    def update(self, now: float) -> bool:
        """Look at the reclaim counters once per collection; True when the period turned short."""
        turned = False
        if self._watch.moved():
            turned = self.period != self.short
            self._short_until = now + self.short
        self.period = self.short if now < self._short_until else self.long
        return turned

    def due(self, key: int, now: float) -> float:
        """The end of the (phased) period that `now` is in."""
        period = self.period
        phase = (key % 16) / 16.0 * period
        return (math.floor((now + phase) / period) + 1.0) * period - phase

    def close(self) -> None:
        self._watch.close()
