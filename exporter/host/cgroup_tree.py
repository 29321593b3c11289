"""The cgroup v2 hierarchy: its cgroups, the CPU usage of each, and which process is in which.

A cgroup's `cpu.stat` usage_usec counts every nanosecond any task in it (or in
its descendants) ran, and is exact when read (the kernel flushes its per-CPU
counters first). So when it has not moved between two reads, no process of that
cgroup ran in between: its /proc/PID/stat is what it was (the process reader
serves its last reading, see ProcessReader), and one pread per cgroup replaces
one per process. Everything here is read through descriptors kept open (a pread
of cpu.stat costs about 1.3 µs here).

What it keeps, and how it stays right:
- The cgroups: listed by walking the mount at start, again whenever the root's
  `cgroup.stat` counts of live and dying descendants change (a cgroup was
  created or removed anywhere), and every RESCAN_SECONDS.
- Which process is in which cgroup: from each non-root cgroup's `cgroup.procs`,
  read for every cgroup whose usage moved (a process moved into a cgroup and
  run there makes that cgroup move, so it is seen at the next collection), and
  for all of them every MEMBERSHIP_SECONDS. A pid listed in no non-root cgroup
  is in the root cgroup (or is new and not yet listed): it is never skipped.
  The root's own cgroup.procs is not read (it moves on every collection, and
  listing it costs about 45 µs for 70 processes); a process moved back into the
  root cgroup, which systemd never does, is found at the next membership pass.
- The root cgroup's cpu.stat is the whole system's: it always moves.

The mount is found from /proc/self/mountinfo (under root_prefix): pure v2 at
/sys/fs/cgroup, or the hybrid layout's /sys/fs/cgroup/unified.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from exporter.host.context import CollectorContext
from exporter.host.fd_budget import CGROUPS
from exporter.host.paths import HostPaths
from exporter.text import decode_bytes


def find_v2_mount(paths: HostPaths) -> str | None:
    """Where this host's cgroup v2 hierarchy is mounted (as reachable from here), or None."""
    try:
        with open(paths.proc("self", "mountinfo"), "rb") as f:
            lines = decode_bytes(f.read()).splitlines()
    except OSError:
        return None
    found: list[str] = []
    for line in lines:
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if not sep or len(fields) < 5 or right.split(None, 1)[:1] != ["cgroup2"]:
            continue
        if fields[3] != "/":  # a bind mount of a subtree (a container's view), not the hierarchy
            continue
        found.append(fields[4].replace("\\040", " "))
    for mountpoint in sorted(found, key=len):
        prefix = paths.root_prefix.rstrip("/")
        # Our own mount table names the host's mount either below the prefix already
        # (the host's / bind-mounted there) or as the host names it.
        candidates = [mountpoint] if prefix and mountpoint.startswith(prefix + "/") else []
        candidates.append(paths.rootfs(mountpoint))
        for path in candidates:
            if os.path.isfile(os.path.join(path, "cgroup.procs")):
                return path
    return None


def parse_keyed(data: bytes) -> dict[bytes, int]:
    """{b"usage_usec": 123, ...} from a flat keyed file such as cpu.stat or cgroup.stat."""
    out: dict[bytes, int] = {}
    for line in data.splitlines():
        key, _, value = line.partition(b" ")
        try:
            out[key] = int(value)
        except ValueError:
            continue
    return out


def usage_usec(data: bytes) -> int:
    """cpu.stat's usage_usec (its first line), without parsing the rest."""
    line = data.split(b"\n", 1)[0]
    if line.startswith(b"usage_usec "):
        return int(line[11:])
    return parse_keyed(data).get(b"usage_usec", -1)


def pread_all(fd: int, size: int = 65536) -> bytes:
    """The whole of a kernfs file through a kept descriptor (cgroup.procs may exceed one read)."""
    data = os.pread(fd, size, 0)
    if len(data) < size:
        return data
    chunks = [data]
    offset = len(data)
    while True:
        more = os.pread(fd, size, offset)
        if not more:
            return b"".join(chunks)
        chunks.append(more)
        offset += len(more)


class Cgroup:
    """One cgroup: its path relative to the mount ("/system.slice/ssh.service"), kept
    descriptors, and its CPU usage at the latest sample."""

    __slots__ = ("path", "dir", "ino", "depth", "cpu_fd", "procs_fd", "usage", "moved", "members")

    def __init__(self, path: str, directory: str, ino: int) -> None:
        self.path = path
        self.dir = directory
        self.ino = ino  # a cgroup removed and made again under the same path is a new one
        self.depth = 0 if path == "/" else path.count("/")
        self.cpu_fd = _open(os.path.join(directory, "cpu.stat"))
        self.procs_fd = -1 if path == "/" else _open(os.path.join(directory, "cgroup.procs"))
        self.usage = -1  # usage_usec at the latest sample; -1 when unreadable
        self.moved = True  # whether usage moved between the two latest samples (or is unknown)
        # Pid entries listed in its cgroup.procs (non-root only). Never changed in place: a
        # new set whenever it changes, so a cache of it is valid while it is the same object.
        self.members: set[str] = set()

    def close(self) -> None:
        for fd in (self.cpu_fd, self.procs_fd):
            _close(fd)
        self.cpu_fd = self.procs_fd = -1


def _open(path: str) -> int:
    """A kept descriptor, or -1 when the file cannot be opened or the descriptor budget
    (exporter/host/fd_budget.py) is spent: then the cgroup counts as moved and its
    processes are probed one by one, as without cgroup v2."""
    if not CGROUPS.take():
        return -1
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        CGROUPS.give()
        return -1


def _close(fd: int) -> None:
    if fd >= 0:
        os.close(fd)
        CGROUPS.give()


class CgroupTree:
    """The cgroups of the v2 mount at `mount`, sampled by `sample()`; `cgroup_of` maps a
    pid entry to the non-root cgroup it is in (None: root, or not known yet)."""

    RESCAN_SECONDS = 30.0
    MEMBERSHIP_SECONDS = 10.0

    def __init__(self, mount: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.mount = mount
        self._clock = clock
        self._lock = threading.Lock()
        self.cgroups: dict[str, Cgroup] = {}
        self._pid_cgroup: dict[str, Cgroup] = {}
        self._stat_fd = _open(os.path.join(mount, "cgroup.stat"))
        self._descendants = b""  # the root's descendant counts at the last walk
        self._rescan_due = 0.0
        self._membership_due = 0.0
        self._sampled_at: float | None = None
        self.samples = 0
        self.membership_passes = 0

    @classmethod
    def find(cls, paths: HostPaths, clock: Callable[[], float] = time.monotonic) -> CgroupTree | None:
        mount = find_v2_mount(paths)
        return cls(mount, clock) if mount else None

    def cgroup_of(self, entry: str) -> Cgroup | None:
        return self._pid_cgroup.get(entry)

    def lookup(self) -> Callable[[str], Cgroup | None]:
        """`cgroup_of` as the mapping's own get, for a loop over every pid: valid until the
        next `sample()`, which may replace the mapping."""
        return self._pid_cgroup.get

    def sample(self, max_age: float = 0.0) -> None:
        """Read every cgroup's usage, unless the latest sample is at most `max_age` old."""
        with self._lock:
            now = self._clock()
            if self._sampled_at is not None and max_age > 0 and now - self._sampled_at <= max_age:
                return
            self._sampled_at = now
            self.samples += 1
            if self._tree_changed(now):
                self._rescan()
                self._rescan_due = now + self.RESCAN_SECONDS
                self._membership_due = 0.0
            pread = os.pread
            for cg in self.cgroups.values():
                try:
                    usage = usage_usec(pread(cg.cpu_fd, 512, 0)) if cg.cpu_fd >= 0 else -1
                except (OSError, ValueError):  # removed (ENODEV): walk again next time
                    usage = -1
                    self._rescan_due = 0.0
                cg.moved = usage < 0 or usage != cg.usage
                cg.usage = usage
            if now >= self._membership_due:
                self._membership_due = now + self.MEMBERSHIP_SECONDS
                self.membership_passes += 1
                self._pid_cgroup = {}
                for cg in self.cgroups.values():
                    if cg.procs_fd >= 0:
                        self._read_members(cg)
            else:
                for cg in self.cgroups.values():
                    if cg.moved and cg.procs_fd >= 0:
                        self._read_members(cg)

    def _read_members(self, cg: Cgroup) -> None:
        """Re-read one cgroup's member pids; pids that left it are unmapped until listed elsewhere."""
        try:
            now = set(pread_all(cg.procs_fd).decode().split())
        except (OSError, UnicodeDecodeError):
            now = set()
        if now == cg.members:  # the same set object: a cache of the quiet cgroup's readings stays valid
            now = cg.members
        pid_cgroup = self._pid_cgroup
        for entry in cg.members - now:
            if pid_cgroup.get(entry) is cg:
                del pid_cgroup[entry]
        for entry in now:
            was = pid_cgroup.get(entry)
            if was is not cg:
                if was is not None:  # moved here from a cgroup that has not been read since
                    was.members = was.members - {entry}  # a new set: whoever cached the old one knows
                pid_cgroup[entry] = cg
        cg.members = now

    def _descendant_counts(self) -> bytes:
        """The root's counts of live and dying descendant cgroups, as one comparable value."""
        try:
            stat = os.pread(self._stat_fd, 512, 0) if self._stat_fd >= 0 else b""
        except OSError:
            stat = b""
        return b" ".join(line for line in stat.splitlines() if line.startswith((b"nr_descendants", b"nr_dying")))

    def _tree_changed(self, now: float) -> bool:
        if now >= self._rescan_due:
            return True
        return self._descendant_counts() != self._descendants

    def _rescan(self) -> None:
        """Walk the mount; keep the cgroups still there (with their descriptors), add new ones."""
        old = self.cgroups
        found: dict[str, Cgroup] = {}
        try:
            root_ino = os.stat(self.mount).st_ino
        except OSError:
            root_ino = 0
        stack = [("/", self.mount, root_ino)]
        while stack:
            path, directory, ino = stack.pop()
            cg = old.get(path)
            if cg is not None and cg.ino == ino:
                del old[path]
            else:
                cg = Cgroup(path, directory, ino)
            found[path] = cg
            try:
                with os.scandir(directory) as it:
                    for e in it:
                        if e.is_dir(follow_symlinks=False):
                            stack.append((path.rstrip("/") + "/" + e.name, e.path, e.inode()))
            except OSError:
                continue
        for cg in old.values():  # removed (or made anew)
            for entry in cg.members:
                if self._pid_cgroup.get(entry) is cg:
                    del self._pid_cgroup[entry]
            cg.close()
        self.cgroups = dict(sorted(found.items()))
        self._descendants = self._descendant_counts()

    def close(self) -> None:
        with self._lock:
            for cg in self.cgroups.values():
                cg.close()
            self.cgroups.clear()
            _close(self._stat_fd)
            self._stat_fd = -1


def shared_tree(ctx: CollectorContext) -> CgroupTree | None:
    """The one tree of a registry (the process reader and the cgroup collector share its
    samples), or None when this host has no readable cgroup v2 hierarchy."""
    if "cgroup_tree" not in ctx.shared:
        ctx.shared["cgroup_tree"] = CgroupTree.find(ctx.paths)
    tree: CgroupTree | None = ctx.shared["cgroup_tree"]
    return tree
