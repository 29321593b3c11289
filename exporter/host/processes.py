"""Per-process readings in one pass over /proc.

One read of /proc/PID/stat gives state, CPU seconds, threads, RSS and start
time; the file is kept open between collections, so that read is a single
pread (open and close cost as much again). The fields that never change for a process (name, user, command line)
are cached by (pid, start time), so a steady host costs one small read per
process per collection. A process that exits mid-read, or that we may not
read (AccessDenied), is skipped or shown with what we could read: it never
fails the collection.
"""

from __future__ import annotations

import os
import pwd
import resource
import threading

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


_STATES = {bytes([c]): chr(c) for c in range(ord("A"), ord("z") + 1)}


def parse_stat(data: bytes) -> tuple[bytes, str, float, int, int, int]:
    """(comm as bytes, state, cpu seconds, threads, start time ticks, rss bytes) from /proc/PID/stat.

    comm stays bytes: it is decoded only for a process not seen before. This runs
    once per process per collection, so it does as little as it can."""
    rpar = data.rindex(b")")
    rest = data[rpar + 2 :].split(None, 22)  # fields up to rss; the rest is not needed
    # rest[0] is field 3 (state); field n is rest[n - 3].
    return (
        data[data.index(b"(") + 1 : rpar],
        _STATES.get(rest[0]) or rest[0].decode(),
        (int(rest[11]) + int(rest[12])) / TICKS,
        int(rest[17]),
        int(rest[19]),
        int(rest[21]) * PAGE_SIZE,
    )


def raise_fd_limit(wanted: int = 65536) -> int:
    """Raise the soft open-files limit towards the hard one; the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return int(soft)


class ProcessReader:
    """Stateful: caches static fields per (pid, start time) between collections, and
    keeps each process's /proc/PID/stat open so a collection is one pread per process.

    A kept descriptor stays bound to its process: once it exits the read fails
    (ESRCH), the descriptor is closed, and a new process that reuses the pid gets
    a fresh one. At most `max_open` descriptors are kept (below the open-files
    limit); processes beyond that are read with open/read/close.
    """

    def __init__(self, paths: HostPaths, max_open: int | None = None) -> None:
        self._paths = paths
        self._proc = paths.proc()
        self._static: dict[tuple[int, int], tuple[str, str, str]] = {}
        self._fds: dict[str, int] = {}
        if max_open is None:
            max_open = max(0, raise_fd_limit() - 512)  # leave room for sockets, the database, scans
        self._max_open = max_open
        self._lock = threading.Lock()

    def _static_fields(self, pid: int, raw_comm: bytes) -> tuple[str, str, str]:
        comm = raw_comm.decode("utf-8", "replace")
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

    def _read_stat(self, entry: str, dir_fd: int) -> bytes:
        """One process's stat line, through its kept descriptor when there is one."""
        fds = self._fds
        fd = fds.get(entry)
        if fd is not None:
            try:
                data = os.pread(fd, 4096, 0)
                if data:
                    return data
            except OSError:
                pass
            os.close(fd)  # that process is gone; the pid may have a new owner
            del fds[entry]
        fd = os.open(entry + "/stat", os.O_RDONLY, dir_fd=dir_fd)
        try:
            data = os.pread(fd, 4096, 0)
        except BaseException:
            os.close(fd)
            raise
        if len(fds) < self._max_open:
            fds[entry] = fd
        else:
            os.close(fd)
        return data

    def __call__(self) -> tuple[Process, ...]:
        with self._lock:
            return self._collect()

    def _collect(self) -> tuple[Process, ...]:
        procs: list[Process] = []
        static = self._static
        fresh: dict[tuple[int, int], tuple[str, str, str]] = {}
        fds, pread, read_stat = self._fds, os.pread, self._read_stat
        dir_fd = os.open(self._proc, os.O_RDONLY | os.O_DIRECTORY)
        try:
            entries = [e for e in os.listdir(dir_fd) if e.isdigit()]
            for entry in entries:
                try:
                    fd = fds.get(entry)
                    data = b""
                    if fd is not None:  # the common case, inlined: one pread
                        try:
                            data = pread(fd, 4096, 0)
                        except OSError:
                            pass
                    if not data:
                        data = read_stat(entry, dir_fd)
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
        live = set(entries)
        for entry in [e for e in fds if e not in live]:
            os.close(fds.pop(entry))
        self._static = fresh
        return tuple(procs)

    def close(self) -> None:
        with self._lock:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()
