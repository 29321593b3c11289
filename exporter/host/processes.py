"""Per-process readings in one pass over /proc.

One read of /proc/PID/stat gives state, CPU seconds, threads, RSS and start
time. Each process keeps one descriptor open between collections, so a
reading is one pread (open and close cost as much again), and a sleeping
process that has not run since the last collection costs only a pread of its
small schedstat file (see ProcessReader). The fields that never change for a
process (name, user, command line) are cached by (pid, start time). A process
that exits mid-read, or that we may not read, is skipped or shown with what we
could read: it never fails the collection.

With cgroup v2, the processes of a cgroup whose CPU usage has not moved since the
last collection have not run: they are served their last readings without any
/proc read at all (see exporter.host.cgroup_tree), so on a host whose processes
sit in systemd services the cost follows what ran, not how many processes exist.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

from exporter.host.cgroup_tree import CgroupTree, shared_tree
from exporter.host.context import CollectorContext
from exporter.host.fd_budget import open_files_limit, process_share
from exporter.host.paths import HostPaths
from exporter.host.pid_listing import PidListing
from exporter.host.proc_stat import CMDLINE_MAX, parse_stat, user_name
from exporter.host.process_counts import ProcessCounts
from exporter.host.quiet_blocks import QuietBlocks
from exporter.host.reclaim import ReclaimWatch, RefreshPeriods
from exporter.host.stat_text import StatText, shared_vmstat
from exporter.sampling.snapshot import Process, ProcessChanges, ProcessList
from exporter.text import decode_bytes

log = logging.getLogger(__name__)

class ProcessReader:
    """Stateful: one kept descriptor per process, and the last reading of each.

    Most processes on a server sleep. A sleeping single-threaded process that has
    not run since the last collection has the same stat line as then, and the
    cheap way to know is /proc/PID/schedstat (run time, wait time, times run: it
    changes whenever the task runs or queues to run; a pread costs a quarter of
    a stat pread here). So a process whose last reading was single-threaded and
    not running keeps its schedstat descriptor open, and is served its last
    reading while that file is unchanged. Every other process keeps its stat
    descriptor open and is read with one pread. Every reading is refreshed from
    stat at least every REFRESH_SECONDS (in periods phased by cgroup: see _due),
    which bounds how stale a sleeping process's RSS can get (pages reclaimed while
    it sleeps).

    A kept descriptor stays bound to its process: once it exits the read fails
    (ESRCH), the descriptor is closed, and a new process that reuses the pid gets
    a fresh one. At most `max_open` descriptors are kept (below the open-files
    limit); processes beyond that are read with open/read/close, every time.
    The fields that never change for a process (name, user, command line) are
    read once per (pid, start time).

    Before any of that, with a cgroup tree: a kept process listed in a non-root
    cgroup whose usage did not move since the previous collection is served its
    last reading untouched (no pread at all; multi-threaded ones too), as long as
    its refresh is not due. `quiet_served` counts those, for the bench and tests.
    """

    # While the kernel reclaims pages (exporter/host/reclaim.py), a sleeping process's RSS
    # can shrink: its reading is at most this old. 45 s: as many refreshes as the 30-60 s
    # of jitter by pid before, a tighter bound.
    REFRESH_SECONDS = 45.0
    # Otherwise (no page stolen or swapped out, nothing collapsed), this bounds what vmstat
    # does not count (another process's MADV_PAGEOUT, a mapped file truncated by another).
    QUIET_REFRESH_SECONDS = 300.0

    def __init__(
        self,
        paths: HostPaths,
        max_open: int | None = None,
        *,
        probe: bool = True,
        clock: Callable[[], float] = time.monotonic,
        cgroups: CgroupTree | None = None,
        skip_quiet: bool = True,
        vmstat: StatText[bytes] | None = None,
    ) -> None:
        self._paths = paths
        self._proc = paths.proc()
        # pid entry → [fd, fd is schedstat, schedstat bytes read before `reading`, reading, refresh due]
        self._kept: dict[str, list[Any]] = {}
        self._static: dict[tuple[int, int], tuple[str, str, str]] = {}  # for processes read without a kept fd
        if max_open is None:
            max_open = process_share(open_files_limit())  # room stays for sockets, the database, scans
        self._max_open = max_open
        self._probe = probe
        self._clock = clock
        self._tree = cgroups
        # cgroup.procs names pids as our pid namespace sees them: the skip needs the /proc we
        # read to be of that namespace (a container given the host's /proc needs --pid=host).
        self._skip_quiet = skip_quiet and cgroups is not None and self._same_pid_namespace()
        self._no_cgroup = "/" if cgroups is not None else ""  # the label of a process in no known cgroup
        self.quiet_served = 0
        self._quiet = QuietBlocks()  # quiet cgroups' readings, served in one go
        self._lock = threading.Lock()
        # Listing /proc costs a pid lookup per process: it is listed only when the pids
        # handed out since cannot be probed (exporter/host/pid_listing.py). Only in our own
        # pid namespace: loadavg shows the reader's, not the mount's.
        self.listing = PidListing(self._proc, own_namespace=paths.root_prefix in ("", "/"))
        self._entries: list[str] | None = None
        self._unkept: dict[str, Process] = {}  # the last readings of processes without a kept descriptor
        self._generation = 0  # of the ProcessList handed out last
        self._periods = RefreshPeriods(ReclaimWatch(os.path.join(self._proc, "vmstat"), vmstat),
                                       self.REFRESH_SECONDS, self.QUIET_REFRESH_SECONDS)

    def _static_fields(self, pid: int, raw_comm: bytes) -> tuple[str, str, str]:
        """(name, user, command line), interned: a host's many workers of one program share them."""
        comm = sys.intern(decode_bytes(raw_comm))  # invalid UTF-8 as node_exporter does it
        base = os.path.join(self._proc, str(pid))
        try:
            uid = os.stat(base).st_uid
            user = user_name(uid)
        except OSError:
            user = ""
        try:
            with open(os.path.join(base, "cmdline"), "rb") as f:
                raw = f.read(CMDLINE_MAX)
            cmdline = sys.intern(decode_bytes(raw.rstrip(b"\0").replace(b"\0", b" ")))
        except OSError:
            cmdline = ""
        return comm, user, cmdline or f"[{comm}]"

    def _due(self, pid: int, now: float, cgroup: str) -> float:
        """When a reading taken `now` must be read again at the latest: the end of its refresh
        period (exporter/host/reclaim.py). Periods are phased by cgroup, so a quiet cgroup's
        members fall due at once and its block of readings (quiet_blocks.py) stays valid for a
        whole period (with a phase per process, the block was rebuilt at nearly every
        collection 2 s apart). In the root cgroup the pid's phase spreads the refreshes."""
        return self._periods.due(pid if cgroup in ("/", "") else zlib.crc32(cgroup.encode()), now)

    def _reclaim_check(self, now: float) -> None:
        """Once per collection: when the kernel starts reclaiming after a quiet spell, every
        reading due at the long period's end is brought forward to the short one's."""
        if not self._periods.update(now):
            return
        for k in self._kept.values():
            k[4] = min(k[4], self._due(k[3][0], now, k[3][9]))
        self._quiet.clear()  # their first due dates were the long period's

    def __call__(self) -> ProcessList:
        with self._lock:
            return self._collect()

    def _collect(self) -> ProcessList:
        now = self._clock()
        self._reclaim_check(now)
        procs: list[Process] = []
        append = procs.append
        kept, pread = self._kept, os.pread
        hits, known = 0, len(kept)
        alive: list[str] = []
        alive_append = alive.append
        tree = self._tree
        cgroup_of = None
        skip = False
        if tree is not None:
            try:
                tree.sample()  # before any stat read: a cgroup quiet since then ran nothing after it
                cgroup_of = tree.lookup()
                skip = self._skip_quiet
            except OSError as e:  # unreadable now: read every process, as without cgroups
                log.debug("cgroup sample failed: %s", e)
        quiet = 0
        bulk: list[Process] = []
        served: set[str] = set()
        if skip and tree is not None:
            bulk, served = self._quiet.serve(now)
        # What changed since the last collection, for ProcessChanges: (the last collection's
        # reading of this pid or None, the new one), and the last readings of processes gone.
        pairs: list[tuple[Process | None, Process]] = []
        gone: dict[int, Process] = {}
        unkept_before, self._unkept = self._unkept, {}
        dir_fd = os.open(self._proc, os.O_RDONLY | os.O_DIRECTORY)
        try:
            entries = self.listing.entries(dir_fd, now, self._entries)
            static_before, self._static = self._static, {}
            for entry in self._quiet.to_visit(entries, entries is self._entries, served):
                k = kept.get(entry)
                if k is None:
                    p = self._first_sight(entry, dir_fd, now, static_before)
                    if p is not None:
                        append(p)
                        alive.append(entry)
                        pairs.append((unkept_before.pop(entry, None), p))
                    continue
                alive_append(entry)
                hits += 1
                last = k[3]  # what the last collection handed out for this pid
                relabel = False  # moved to another cgroup while asleep: read it, for its new label
                if cgroup_of is not None:
                    cg = cgroup_of(entry)
                    if cg is None:  # the root cgroup (kernel threads among them): probed one by one
                        relabel = last[9] != "/"
                    else:
                        relabel = last[9] != cg.path
                        if skip and not relabel and not cg.moved and now < k[4]:
                            append(last)
                            quiet += 1
                            continue
                if k[1]:  # sleeping, single-threaded last time: has it run since?
                    try:
                        sched = pread(k[0], 128, 0)
                    except OSError:
                        sched = b""
                    if sched == k[2] and now < k[4] and not relabel:
                        append(last)
                        continue
                    p = self._reread(entry, dir_fd, k, sched, now) if sched else None
                else:
                    try:
                        data = pread(k[0], 4096, 0)
                    except OSError:
                        data = b""
                    p = self._update(entry, dir_fd, k, data, now) if data else None
                if p is None:  # exited, or the pid has a new owner: start afresh
                    self._forget(entry)
                    p = self._first_sight(entry, dir_fd, now, static_before)
                if p is not None:
                    append(p)
                    pairs.append((last, p))
                else:
                    alive.pop()
                    gone[last[0]] = last
        finally:
            os.close(dir_fd)
        self._quiet.visited(len(alive), served)
        if bulk:
            procs.extend(bulk)
            alive.extend(served)
            hits += len(bulk)
        if cgroup_of is not None and tree is not None:
            self._quiet.add(tree, self._kept)
        self._entries = alive
        self.quiet_served += quiet + len(bulk)
        if hits < known:  # some kept processes were not listed: they exited
            live = set(entries)
            for entry in [e for e in kept if e not in live]:
                gone[kept[entry][3][0]] = kept[entry][3]
                self._forget(entry)
        for p in unkept_before.values():  # read without a kept descriptor last time, not seen now
            gone[p[0]] = p
        self._generation += 1
        return ProcessList(procs, ProcessChanges(self, self._generation, tuple(pairs), gone))

    def _reread(self, entry: str, dir_fd: int, k: list[Any], sched: bytes, now: float) -> Process | None:
        """A probed process ran: read its stat afresh (open, read, close); `sched` was read first."""
        try:
            fd = os.open(entry + "/stat", os.O_RDONLY, dir_fd=dir_fd)
        except OSError:
            return None
        try:
            data = os.pread(fd, 4096, 0)
        except OSError:
            data = b""
        finally:
            os.close(fd)
        if not data:
            return None
        k[2] = sched
        return self._update(entry, dir_fd, k, data, now)

    def _update(self, entry: str, dir_fd: int, k: list[Any], data: bytes, now: float) -> Process | None:
        """Store a fresh stat reading for a kept process, and switch its kept descriptor
        between stat and schedstat when it starts or stops qualifying for the probe."""
        try:
            _comm, state, cpu, threads, start, rss = parse_stat(data)
        except (ValueError, IndexError):
            return None
        old = k[3]
        if start != old[8]:
            return None  # not the process we knew
        cgroup = self._cgroup(entry)
        p = Process(old[0], old[1], old[2], old[3], state, cpu, rss, threads, start, cgroup)
        k[3] = p
        k[4] = self._due(old[0], now, cgroup)
        probe = self._probes(state, threads)
        if probe and not k[1]:
            # Start probing: the baseline must be read before the stat we keep.
            sched_fd, sched = self._open_schedstat(entry, dir_fd)
            if sched_fd >= 0:
                try:
                    data = os.pread(k[0], 4096, 0)
                    _comm, state, cpu, threads, start, rss = parse_stat(data)
                except (OSError, ValueError, IndexError):
                    os.close(sched_fd)
                    return None
                p = k[3] = Process(old[0], old[1], old[2], old[3], state, cpu, rss, threads, start, cgroup)
                os.close(k[0])
                k[0], k[1], k[2] = sched_fd, True, sched
        elif not probe and k[1]:
            # Stop probing (it runs, or has threads): keep its stat open instead.
            try:
                stat_fd = os.open(entry + "/stat", os.O_RDONLY, dir_fd=dir_fd)
            except OSError:
                return p
            os.close(k[0])
            k[0], k[1], k[2] = stat_fd, False, None
        return p

    def _probes(self, state: str, threads: int) -> bool:
        """Whether a process in this reading can be probed: schedstat covers only the
        main thread, and a running task's counters may lag by up to a tick."""
        return self._probe and threads == 1 and state != "R"

    def _open_schedstat(self, entry: str, dir_fd: int) -> tuple[int, bytes]:
        """(fd, contents) of a process's schedstat, or (-1, b"") when it cannot serve as a probe."""
        try:
            fd = os.open(entry + "/schedstat", os.O_RDONLY, dir_fd=dir_fd)
        except FileNotFoundError:
            if os.path.exists(os.path.join(self._proc, entry)):
                self._disable_probe("no /proc/PID/schedstat on this kernel")
            return -1, b""
        except OSError:
            return -1, b""
        try:
            sched = os.pread(fd, 128, 0)
        except OSError:
            sched = b""
        if not sched or sched.startswith(b"0 0 0"):
            os.close(fd)
            if sched.startswith(b"0 0 0") and entry == "1":
                self._disable_probe("schedstat reads zero (scheduler statistics off)")
            return -1, b""
        return fd, sched

    def _disable_probe(self, why: str) -> None:
        if self._probe:
            log.info("process reader: reading every stat file each time (%s)", why)
        self._probe = False

    def _first_sight(
        self, entry: str, dir_fd: int, now: float, static_before: dict[tuple[int, int], tuple[str, str, str]]
    ) -> Process | None:
        room = len(self._kept) < self._max_open
        sched_fd, sched = self._open_schedstat(entry, dir_fd) if room and self._probe else (-1, b"")
        try:
            fd = os.open(entry + "/stat", os.O_RDONLY, dir_fd=dir_fd)
        except OSError:
            if sched_fd >= 0:
                os.close(sched_fd)
            return None
        try:
            comm, state, cpu, threads, start, rss = parse_stat(os.pread(fd, 4096, 0))
        except (OSError, ValueError, IndexError):
            os.close(fd)
            if sched_fd >= 0:
                os.close(sched_fd)
            return None  # exited mid-read, or not readable
        pid = int(entry)
        key = (pid, start)
        fields = static_before.get(key) or self._static_fields(pid, comm)
        p = Process(pid, fields[0], fields[1], fields[2], state, cpu, rss, threads, start, self._cgroup(entry))
        if not room:
            os.close(fd)
            self._static[key] = fields
            self._unkept[entry] = p
        elif sched_fd >= 0 and self._probes(state, threads):
            os.close(fd)
            self._kept[entry] = [sched_fd, True, sched, p, self._due(pid, now, p[9])]
        else:
            if sched_fd >= 0:
                os.close(sched_fd)
            self._kept[entry] = [fd, False, None, p, self._due(pid, now, p[9])]
        return p

    def _same_pid_namespace(self) -> bool:
        try:
            return int(os.readlink(os.path.join(self._proc, "self"))) == os.getpid()
        except (OSError, ValueError):
            return False

    def _cgroup(self, entry: str) -> str:
        """The cgroup label of a process: its non-root cgroup, else "/" (or "" without cgroup v2)."""
        if self._tree is not None:
            cg = self._tree.cgroup_of(entry)
            if cg is not None:
                return cg.path
        return self._no_cgroup

    def _forget(self, entry: str) -> None:
        k = self._kept.pop(entry, None)
        if k is not None:
            os.close(k[0])

    def close(self) -> None:
        with self._lock:
            self.listing.close()
            self._periods.close()
            for k in self._kept.values():
                os.close(k[0])
            self._kept.clear()
            if self._tree is not None:
                self._tree.close()


def make(ctx: CollectorContext) -> ProcessCounts:
    """The reader, wrapped so that node_processes_* come from its own pass (exporter/host/process_counts.py)."""
    skip = ctx.config.cgroups.skip_quiet_processes
    tree = shared_tree(ctx) if skip or ctx.config.processes.group_by == "cgroup" else None
    if tree is None and skip:
        log.info("process reader: no readable cgroup v2 hierarchy, every process is probed each time")
    reader = ProcessReader(
        ctx.paths, None if ctx.config.processes.keep_files_open else 0, cgroups=tree, skip_quiet=skip,
        vmstat=shared_vmstat(ctx))
    return ProcessCounts(reader, ctx.paths)
