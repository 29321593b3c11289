"""Fake /proc and cgroup v2 trees of regular files, written in place (same inode) as the
kernel's files change, so the readers' kept descriptors see every change; and a real
cgroup v2 child cgroup for the tests that run on this host's hierarchy."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from exporter.host.cgroup_tree import CgroupTree, find_v2_mount
from exporter.host.paths import HostPaths
from exporter.host.processes import ProcessReader

PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def stat_line(pid: int, state: str = "S", ticks: int = 100, threads: int = 1, rss_pages: int = 1000) -> str:
    return (
        f"{pid} (worker) {state} 1 {pid} {pid} 0 -1 4194304 500 0 0 0 {ticks} 0 0 0 20 0 {threads} 0 "
        f"900 500000000 {rss_pages} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
    )


def write_in_place(path: Path, text: str) -> None:
    with open(path, "r+b" if path.exists() else "wb") as f:
        f.write(text.encode())
        f.truncate()


class FakeProc:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "proc").mkdir(parents=True, exist_ok=True)
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def set(self, pid: int, stat: str | None = None, sched: str | None = None) -> None:
        d = self.root / "proc" / str(pid)
        d.mkdir(exist_ok=True)
        (d / "cmdline").write_bytes(b"worker\0")
        if stat is not None:
            write_in_place(d / "stat", stat)
        if sched is not None:
            write_in_place(d / "schedstat", sched)

    def set_vmstat(self, pgsteal: int = 0, pswpout: int = 0) -> None:
        """/proc/vmstat with its reclaim counters (exporter/host/reclaim.py); without this file
        the reader takes every collection for one after reclaim (its short refresh period)."""
        write_in_place(self.root / "proc" / "vmstat", f"nr_free_pages 1000\npswpin 0\npswpout {pswpout}\n"
                       f"pgsteal_kswapd {pgsteal}\npgsteal_direct 0\nthp_collapse_alloc 0\n")

    def reader(self, cgroups: CgroupTree | None = None) -> ProcessReader:
        return ProcessReader(HostPaths(str(self.root)), max_open=100, clock=self.clock, cgroups=cgroups)


class FakeCgroups:
    """A cgroup v2 mount under `root` (at sys/fs/cgroup, or sys/fs/cgroup/unified when hybrid),
    named in root/proc/self/mountinfo as the kernel would."""

    def __init__(self, root: Path, hybrid: bool = False) -> None:
        self.root = root
        where = "/sys/fs/cgroup/unified" if hybrid else "/sys/fs/cgroup"
        self.mount = root / where.lstrip("/")
        self.mount.mkdir(parents=True, exist_ok=True)
        # proc/self is us, as in the kernel's /proc of our own pid namespace.
        (root / "proc" / str(os.getpid())).mkdir(parents=True, exist_ok=True)
        (root / "proc" / "self").symlink_to(str(os.getpid()))
        # Without it the process reader would take this kernel for one without schedstat.
        (root / "proc" / str(os.getpid()) / "schedstat").write_text("1 1 1\n")
        lines = ["22 1 0:21 / /proc rw,nosuid - proc proc rw"]
        if hybrid:
            lines.append("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755")
            lines.append("35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory")
        lines.append(f"41 31 0:38 / {where} rw,relatime - cgroup2 cgroup2 rw")
        (root / "proc" / "self" / "mountinfo").write_text("\n".join(lines) + "\n")
        self.descendants = 0
        self.add("/")

    def dir(self, path: str) -> Path:
        return self.mount / path.lstrip("/") if path != "/" else self.mount

    def add(self, path: str, usage: int = 0, pids: tuple[int, ...] = (), memory: int | None = None) -> None:
        parent = path.rsplit("/", 1)[0]
        if parent and not self.dir(parent).exists():  # ancestors are cgroups too, with their files
            self.add(parent)
        d = self.dir(path)
        d.mkdir(exist_ok=True)
        self.set_usage(path, usage)
        self.set_procs(path, pids)
        if memory is not None:
            write_in_place(d / "memory.current", f"{memory}\n")
        if path != "/":
            self.descendants += 1
        self._write_root_stat()

    def remove(self, path: str) -> None:
        shutil.rmtree(self.dir(path))
        self.descendants -= 1
        self._write_root_stat()

    def _write_root_stat(self) -> None:
        write_in_place(self.mount / "cgroup.stat", f"nr_descendants {self.descendants}\nnr_dying_descendants 0\n")

    def set_usage(self, path: str, usec: int) -> None:
        write_in_place(self.dir(path) / "cpu.stat", f"usage_usec {usec}\nuser_usec {usec}\nsystem_usec 0\n")

    def set_procs(self, path: str, pids: tuple[int, ...]) -> None:
        write_in_place(self.dir(path) / "cgroup.procs", "".join(f"{p}\n" for p in pids))

    def set_file(self, path: str, name: str, text: str) -> None:
        write_in_place(self.dir(path) / name, text)

    def tree(self, clock: FakeProc | None = None) -> CgroupTree:
        tree = CgroupTree.find(HostPaths(str(self.root)), clock.clock if clock else lambda: 0.0)
        assert tree is not None
        return tree


def v2_controllers() -> set[str] | None:
    """The controllers this host's cgroup v2 root offers (None: no cgroup v2 mounted)."""
    mount = find_v2_mount(HostPaths())
    if mount is None:
        return None
    return set((Path(mount) / "cgroup.controllers").read_text().split())


def make_cgroup(name: str) -> Path | str:
    """A child cgroup of this host's cgroup v2 root, or why there cannot be one."""
    mount = find_v2_mount(HostPaths())
    if mount is None:
        return "no cgroup v2 hierarchy mounted (mount -t cgroup2 none /sys/fs/cgroup)"
    d = Path(mount) / f"sysmon-test-{os.getpid()}-{name}"
    try:
        d.mkdir()
    except OSError as e:
        return f"cannot create a cgroup under {mount} ({e.strerror}): run as root"
    return d


def remove_cgroup(d: Path) -> None:
    """Move its processes back to the root cgroup (or rmdir fails), then remove it."""
    root = d.parent
    procs = (d / "cgroup.procs").read_text().split() if d.exists() else []
    for pid in procs:
        try:
            (root / "cgroup.procs").write_text(pid)
        except OSError:
            pass
    try:
        d.rmdir()
    except OSError:
        pass


@contextmanager
def real_cgroups(*names: str) -> Iterator[list[Path]]:
    """Child cgroups of this host's cgroup v2 root (made for the test, removed after);
    skips unless cgroup v2 is mounted and we may create cgroups (root)."""
    made: list[Path] = []
    try:
        for name in names:
            d = make_cgroup(name)
            if isinstance(d, str):
                pytest.skip(d)
            made.append(d)
        yield made
    finally:
        for d in made:
            remove_cgroup(d)
