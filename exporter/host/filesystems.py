"""Mounted filesystems: size, free, avail, inodes, read-only.

A statfs that may wait on something outside this machine (a network filesystem's
server, a FUSE daemon) runs in a worker thread with a deadline, so a hung mount is
reported as failed (node_filesystem_device_error) instead of hanging the scrape;
while its earlier call is still stuck it is not called again. The filesystems whose
statfs the kernel answers from memory (INLINE_TYPES) are asked in the collecting
thread: handing a call to a worker and waiting for it cost 70-80 µs of CPU per
collection here, the two statfs calls themselves 3 µs.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import re
import threading
from collections.abc import Callable
from typing import Any

from exporter.config import FilesystemsConfig
from exporter.host.context import CollectorContext
from exporter.host.mount_table import MountTable
from exporter.host.paths import HostPaths
from exporter.sampling.snapshot import Filesystem

_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[tuple[str, str, str, bool]]:
    """(device, mountpoint, fstype, readonly) per line of /proc/mounts."""
    mounts = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        options = parts[3].split(",")
        mounts.append((_unescape(parts[0]), _unescape(parts[1]), parts[2], "ro" in options))
    return mounts


Chosen = tuple[tuple[str, str, str, bool, bool], ...]  # (device, mountpoint, fstype, readonly, inline) per mount

# Filesystems whose statfs (the superblock's s_op->statfs) answers from counters kept in memory,
# without I/O and without a server or daemon, so it is called in the collecting thread:
# - ext2, ext3, ext4 (ext2_statfs, ext4_statfs): superblock fields and per-CPU counters of free
#   blocks and inodes;
# - xfs (xfs_fs_statfs): the per-CPU m_icount/m_ifree/m_fdblocks counters;
# - btrfs (btrfs_statfs): the space_info list under RCU and spinlocks, the device list in memory;
# - f2fs (f2fs_statfs): the in-memory valid block and node counts;
# - tmpfs, devtmpfs (shmem_statfs or, without CONFIG_SHMEM, ramfs's simple_statfs), ramfs
#   (simple_statfs): counters under a spinlock, or constants;
# - squashfs, erofs, iso9660 (read-only images): fields of the superblock read at mount;
# - vfat, msdos (fat_statfs): the free-cluster count kept in memory; only when it is not known
#   yet (the first statfs after mounting a FAT without a valid FSINFO) is the FAT read once,
#   from the local device.
# ext4, xfs and f2fs read a project quota (from the local device, once, then cached) when
# the mount point's directory inherits a project ID with project quotas on: local I/O, not a
# server. Every other type (nfs, cifs, fuse.*, ceph, 9p, overlay, zfs, anything unknown)
# goes to a worker: its statfs may wait on a server, a daemon or a lower layer.
INLINE_TYPES = frozenset((
    "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "tmpfs", "devtmpfs", "ramfs", "squashfs", "erofs",
    "iso9660", "vfat", "msdos",
))
# Types whose directories a path walk crosses without leaving the machine: statfs(path) first
# walks to the mount point, and a walk through a network filesystem's directory may wait on
# its server (d_revalidate). So an INLINE_TYPES mount whose mount point is under (or on) a
# mount of a type in neither set goes to a worker too. overlay is here for containers, whose
# root is one: its lookups go to its layers (a network lower layer is not covered).
WALKABLE_TYPES = frozenset((
    "overlay", "proc", "sysfs", "devpts", "cgroup", "cgroup2", "mqueue", "debugfs", "tracefs", "securityfs",
    "hugetlbfs", "bpf", "configfs", "pstore", "binfmt_misc", "fusectl", "nsfs", "efivarfs", "rootfs",
))


def _under(mountpoint: str, other: str) -> bool:
    """Whether a walk to `mountpoint` crosses `other`'s directories (or ends on a mount stacked there)."""
    return other == "/" or mountpoint == other or mountpoint.startswith(other + "/")


def choose(mounts: list[tuple[str, str, str, bool]], mount_exclude: re.Pattern[str],
           type_exclude: re.Pattern[str]) -> Chosen:
    """The mounts the collector reports (not excluded, the first line of each mount point), each with
    whether its statfs may run in the collecting thread (INLINE_TYPES, not under a risky mount)."""
    risky = [mp for _d, mp, fstype, _ro in mounts if fstype not in INLINE_TYPES and fstype not in WALKABLE_TYPES]
    chosen: dict[str, tuple[str, str, str, bool, bool]] = {}
    for device, mountpoint, fstype, ro in mounts:
        if mount_exclude.search(mountpoint) or type_exclude.search(fstype) or mountpoint in chosen:
            continue
        inline = fstype in INLINE_TYPES and not any(_under(mountpoint, other) for other in risky)
        chosen[mountpoint] = (device, mountpoint, fstype, ro, inline)
    return tuple(chosen.values())


class FilesystemReader:
    """Stateful: remembers mounts whose statfs has not returned yet, and keeps the mount table
    (exporter.host.mount_table: reread when the kernel reports a mount change)."""

    def __init__(
        self,
        paths: HostPaths,
        config: FilesystemsConfig,
        statfs: Callable[[str], Any] = os.statvfs,
    ) -> None:
        self._paths = paths
        mount_exclude = re.compile(config.mount_points_exclude)
        type_exclude = re.compile(config.fs_types_exclude)
        self._table = MountTable(
            (paths.proc("1", "mounts"), paths.proc("self", "mounts")),
            lambda text: choose(parse_mounts(text), mount_exclude, type_exclude),
        )
        self._timeout = float(config.stat_timeout)
        self._statfs = statfs
        self._stuck: dict[str, cf.Future[Any]] = {}
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    @staticmethod
    def _new_pool() -> cf.ThreadPoolExecutor:
        return cf.ThreadPoolExecutor(max_workers=4, thread_name_prefix="statfs")

    def __call__(self) -> tuple[Filesystem, ...]:
        with self._lock:
            return self._read()

    def _stat(self, chosen: Chosen) -> dict[str, tuple[bool, Any] | cf.Future[Any] | None]:
        """Per mount point: (ok, result) when statfs returned, its unfinished future when it timed
        out, None when an earlier call is still hanging. The workers' calls are submitted first,
        so the inline ones run while they do."""
        outcomes: dict[str, tuple[bool, Any] | cf.Future[Any] | None] = {}
        futures: dict[str, cf.Future[Any]] = {}
        inline: list[str] = []
        for _device, mp, _fstype, _ro, here in chosen:
            if mp in self._stuck:
                outcomes[mp] = None
            elif here:
                inline.append(mp)
            else:
                futures[mp] = self._pool.submit(self._statfs, self._paths.rootfs(mp))
        for mp in inline:
            try:
                outcomes[mp] = (True, self._statfs(self._paths.rootfs(mp)))
            except Exception as e:  # noqa: BLE001 - reported per mount, as a worker's would be
                outcomes[mp] = (False, e)
        if futures:
            cf.wait(list(futures.values()), timeout=self._timeout)
        for mp, fut in futures.items():
            if not fut.done():
                outcomes[mp] = fut
            else:
                exc = fut.exception()
                outcomes[mp] = (False, exc) if exc is not None else (True, fut.result())
        return outcomes

    def _read(self) -> tuple[Filesystem, ...]:
        chosen = self._table.read()

        # Still-stuck mounts are not asked again; finished ones are forgotten.
        for mp, stuck in list(self._stuck.items()):
            if stuck.done():
                del self._stuck[mp]
        if len(self._stuck) >= 3:  # most workers are blocked: give new calls fresh threads
            self._pool.shutdown(wait=False)
            self._pool = self._new_pool()

        outcomes = self._stat(chosen)
        result = []
        for device, mp, fstype, ro, _inline in chosen:
            outcome = outcomes[mp]
            if outcome is None:
                result.append(Filesystem(device, mp, fstype, readonly=ro, error="statfs still hanging"))
                continue
            if isinstance(outcome, cf.Future):
                self._stuck[mp] = outcome
                result.append(
                    Filesystem(device, mp, fstype, readonly=ro, error=f"statfs timed out after {self._timeout:g}s")
                )
                continue
            ok, st = outcome
            if not ok:
                result.append(Filesystem(device, mp, fstype, readonly=ro, error=str(st) or type(st).__name__))
                continue
            bsize = st.f_bsize
            result.append(
                Filesystem(
                    device=device,
                    mountpoint=mp,
                    fstype=fstype,
                    size=st.f_blocks * bsize,
                    free=st.f_bfree * bsize,
                    avail=st.f_bavail * bsize,
                    files=st.f_files,
                    files_free=st.f_ffree,
                    readonly=ro or bool(st.f_flag & os.ST_RDONLY),
                )
            )
        return tuple(result)

    def close(self) -> None:
        self._table.close()
        self._pool.shutdown(wait=False, cancel_futures=True)


def make(ctx: CollectorContext) -> FilesystemReader:
    if ctx.statfs is not None:
        return FilesystemReader(ctx.paths, ctx.config.filesystems, statfs=ctx.statfs)
    return FilesystemReader(ctx.paths, ctx.config.filesystems)
