"""Per-process readings in one pass over /proc.

One read of /proc/PID/stat gives state, CPU seconds, threads, RSS and start
time. The fields that never change for a process (name, user, command line)
are cached by (pid, start time), so a steady host costs one small read per
process per collection. A process that exits mid-read, or that we may not
read (AccessDenied), is skipped or shown with what we could read: it never
fails the collection.
"""

from __future__ import annotations

import os
import pwd

from exporter.host.paths import HostPaths
from exporter.host.snapshot import Process

TICKS = float(os.sysconf("SC_CLK_TCK"))
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CMDLINE_MAX = 4096

_user_names: dict[int, str] = {}


def user_name(uid: int) -> str:
    name = _user_names.get(uid)
    if name is None:
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            name = str(uid)
        _user_names[uid] = name
    return name


def parse_stat(data: bytes) -> tuple[str, str, float, int, int, int]:
    """(comm, state, cpu seconds, threads, start time ticks, rss bytes) from /proc/PID/stat."""
    lpar = data.index(b"(")
    rpar = data.rindex(b")")
    comm = data[lpar + 1 : rpar].decode("utf-8", "replace")
    rest = data[rpar + 2 :].split(None, 22)  # fields up to rss; the rest is not needed
    # rest[0] is field 3 (state); field n is rest[n - 3].
    utime, stime = int(rest[11]), int(rest[12])
    return (
        comm,
        rest[0].decode(),
        (utime + stime) / TICKS,
        int(rest[17]),
        int(rest[19]),
        int(rest[21]) * PAGE_SIZE,
    )


class ProcessReader:
    """Stateful: caches static fields per (pid, start time) between collections."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths
        self._proc = paths.proc()
        self._static: dict[tuple[int, int], tuple[str, str, str]] = {}

    def _static_fields(self, pid: int, comm: str) -> tuple[str, str, str]:
        base = os.path.join(self._proc, str(pid))
        try:
            uid = os.stat(base).st_uid
            user = user_name(uid)
        except OSError:
            user = ""
        try:
            with open(os.path.join(base, "cmdline"), "rb") as f:
                raw = f.read(CMDLINE_MAX)
            cmdline = raw.rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            cmdline = ""
        return comm, user, cmdline or f"[{comm}]"

    def __call__(self) -> tuple[Process, ...]:
        procs: list[Process] = []
        static = self._static
        fresh: dict[tuple[int, int], tuple[str, str, str]] = {}
        # os.open/os.read relative to a /proc directory descriptor: about a third
        # cheaper than open() per process, which is most of a collection's cost.
        o_open, o_read, o_close, flags = os.open, os.read, os.close, os.O_RDONLY
        dir_fd = os.open(self._proc, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for entry in os.listdir(dir_fd):
                if not entry.isdigit():
                    continue
                try:
                    fd = o_open(entry + "/stat", flags, dir_fd=dir_fd)
                    try:
                        data = o_read(fd, 4096)
                    finally:
                        o_close(fd)
                    comm, state, cpu, threads, start, rss = parse_stat(data)
                except (OSError, ValueError, IndexError):
                    continue  # exited mid-read, or not readable
                pid = int(entry)
                key = (pid, start)
                fields = static.get(key)
                if fields is None:
                    fields = self._static_fields(pid, comm)
                fresh[key] = fields
                procs.append(Process(pid, fields[0], fields[1], fields[2], state, cpu, rss, threads, start))
        finally:
            os.close(dir_fd)
        self._static = fresh
        return tuple(procs)
