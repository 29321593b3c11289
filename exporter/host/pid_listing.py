"""Which pids /proc holds, without listing it when only a few pids were handed out.

Listing /proc costs the kernel a pid lookup per process (3-5 ms at 6,000-8,000
processes on this VM), so listing it on every collection makes the scrape cost follow
the process count on any host where something forks now and then. The kernel hands
pids out in increasing order, wrapping at pid_max, and the last field of /proc/loadavg
is the last one handed out. So when that moved forward by at most PROBE_MAX since the
previous collection, every process created since has a pid in between: those pids are
probed (one read of /proc/PID/status each: threads take pids too, and only a thread
group leader is a process) and added to the survivors of the last collection (whose
reads fail once they exit). A full listing is still taken every LIST_EVERY_SECONDS,
when the gap is wider, when the counter wrapped, and outside our own pid namespace
(where loadavg speaks of another one).
"""

from __future__ import annotations

import os


def _is_process(pid: str, dir_fd: int) -> bool:
    """Whether /proc/PID is a thread group leader (a process), not another thread or nothing."""
    try:
        fd = os.open(pid + "/status", os.O_RDONLY, dir_fd=dir_fd)
    except OSError:
        return False
    try:
        head = os.read(fd, 1024)
    except OSError:
        return False
    finally:
        os.close(fd)
    at = head.find(b"\nTgid:")
    if at < 0:
        return False
    return head[at + 6:].split(None, 1)[0] == pid.encode()


class PidListing:
    """The pid entries of /proc for the process reader, listed only when needed."""

    LIST_EVERY_SECONDS = 10.0
    PROBE_MAX = 256

    def __init__(self, proc: str, own_namespace: bool) -> None:
        self._loadavg = os.path.join(proc, "loadavg")
        self._loadavg_fd = -1  # kept open: one pread per collection
        self._own_namespace = own_namespace
        self._last_pid = 0
        self._list_due = 0.0
        self.listings = 0  # full listings of /proc (for tests and benches)
        self.probed = 0  # pids probed instead

    def _last_handed_out(self) -> int:
        if not self._own_namespace:
            return 0
        try:
            if self._loadavg_fd < 0:
                self._loadavg_fd = os.open(self._loadavg, os.O_RDONLY | os.O_CLOEXEC)
            return int(os.pread(self._loadavg_fd, 256, 0).rsplit(None, 1)[-1])
        except (OSError, IndexError, ValueError):
            self.close()
            return 0

    def close(self) -> None:
        if self._loadavg_fd >= 0:
            os.close(self._loadavg_fd)
            self._loadavg_fd = -1

    def entries(self, dir_fd: int, now: float, survivors: list[str] | None) -> list[str]:
        """/proc's pid entries: `survivors` (the last collection's) plus the processes created
        since, else a fresh listing of `dir_fd` (an open /proc)."""
        last, before = self._last_handed_out(), self._last_pid
        if last and before and survivors is not None and now < self._list_due and 0 <= last - before <= self.PROBE_MAX:
            self._last_pid = last
            if last == before:
                return survivors
            self.probed += last - before
            new = [pid for pid in map(str, range(before + 1, last + 1)) if _is_process(pid, dir_fd)]
            if not new:
                return survivors
            known = set(survivors)  # a pid of the range can belong to an old process (after a wrap)
            return survivors + [pid for pid in new if pid not in known]
        self._last_pid, self._list_due = last, now + self.LIST_EVERY_SECONDS
        self.listings += 1
        return list(filter(str.isdigit, os.listdir(dir_fd)))
