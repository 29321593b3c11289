"""How many descriptors the host readers keep open between collections, all together.

Kept descriptors make collections cheap (a pread instead of open + read + close), but
they count against the open-files limit that the server's sockets, the history
database and directory scans need too. RESERVED descriptors stay for those; of the
rest, the /proc and /sys value files (KeptFile, KeptFiles) share at most an eighth
(and never more than 1,024), the cgroup tree (two per cgroup: cpu.stat and
cgroup.procs) another eighth (at most 4,096), and the process reader the remainder. The
cgroups have a budget of their own because a cgroup without its descriptors counts as
moved at every collection and its processes are probed one by one: at 10,000 processes
in 500 services, the files' 1,024 ran out after 450 cgroups and the rest cost a pread per
process (11 instead of 4 ms). At a low limit nothing is kept and everything is read with
open/read/close, which still works.
"""

from __future__ import annotations

import resource
import threading
from collections.abc import Callable

RESERVED = 512
FILES_CAP = 1024
CGROUPS_CAP = 4096


def open_files_limit() -> int:
    """Our soft open-files limit (`serve` raises it first: exporter/tuning.py)."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return 1 << 20 if soft == resource.RLIM_INFINITY else int(soft)


def files_share(limit: int) -> int:
    return min(FILES_CAP, max(0, limit - RESERVED) // 8)


def cgroup_share(limit: int) -> int:
    return min(CGROUPS_CAP, max(0, limit - RESERVED) // 8)


def process_share(limit: int) -> int:
    return max(0, limit - RESERVED - files_share(limit) - cgroup_share(limit))


class FdBudget:
    """A count of descriptors that may be kept; the capacity is read from the limit at first use."""

    def __init__(self, capacity: int | None = None, share: Callable[[int], int] = files_share) -> None:
        self._capacity = capacity
        self._share = share
        self._used = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._capacity is None:
                self._capacity = self._share(open_files_limit())
            if self._used >= self._capacity:
                return False
            self._used += 1
            return True

    def give(self) -> None:
        with self._lock:
            self._used -= 1


#: The budget of the /proc and /sys value files kept open by every collector.
FILES = FdBudget()
#: The budget of the cgroup tree's cpu.stat and cgroup.procs descriptors.
CGROUPS = FdBudget(share=cgroup_share)
