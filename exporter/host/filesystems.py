"""Mounted filesystems: size, free, avail, inodes, read-only.

statfs runs in worker threads with a deadline, so a hung network mount is
reported as failed (node_filesystem_device_error) instead of hanging the
scrape; while its earlier call is still stuck it is not called again.
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


Chosen = tuple[tuple[str, str, str, bool], ...]  # (device, mountpoint, fstype, readonly) per kept mount

# Filesystems on a local block device or in memory: their statfs answers from the superblock
# without waiting on a server, so they are asked in one batch, by one worker, and a collection
# waits for one thread instead of one per mount (a hand-off costs 30-50 µs, the statfs 3 µs).
# Any other type (nfs, cifs, fuse.*, ceph, 9p...) gets a worker of its own, as before, so a
# hung server costs one timeout. Should a batched one hang, those after it in the batch are
# then asked one per worker, with one more timeout.
LOCAL_TYPES = frozenset((
    "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "msdos", "exfat", "f2fs", "jfs", "reiserfs", "ntfs",
    "ntfs3", "hfs", "hfsplus", "iso9660", "udf", "squashfs", "erofs", "tmpfs", "ramfs", "devtmpfs",
    "bcachefs", "nilfs2",
))


class _Batch:
    """statfs of several mounts in turn, in one worker; `stop` ends it after the current one."""

    def __init__(self, statfs: Callable[[str], Any], items: list[tuple[str, str]]) -> None:
        self._statfs = statfs
        self._items = items  # (mount point, path to stat)
        self._lock = threading.Lock()
        self._results: dict[str, tuple[bool, Any]] = {}  # mount point → (ok, statvfs result or exception)
        self._current: str | None = None
        self._stopped = False

    def run(self) -> None:
        for mp, path in self._items:
            with self._lock:
                if self._stopped:
                    return
                self._current = mp
            try:
                outcome: tuple[bool, Any] = (True, self._statfs(path))
            except Exception as e:  # noqa: BLE001 - reported per mount, as a future would
                outcome = (False, e)
            with self._lock:
                self._current = None
                self._results[mp] = outcome

    def stop(self) -> tuple[dict[str, tuple[bool, Any]], str | None]:
        """(the results so far, the mount point being asked now or None); nothing is asked after it."""
        with self._lock:
            self._stopped = True
            return dict(self._results), self._current

    def results(self) -> dict[str, tuple[bool, Any]]:
        return self._results


def choose(mounts: list[tuple[str, str, str, bool]], mount_exclude: re.Pattern[str],
           type_exclude: re.Pattern[str]) -> Chosen:
    """The mounts the collector reports: not excluded, the first line of each mount point."""
    chosen: dict[str, tuple[str, str, str, bool]] = {}
    for device, mountpoint, fstype, ro in mounts:
        if mount_exclude.search(mountpoint) or type_exclude.search(fstype):
            continue
        chosen.setdefault(mountpoint, (device, mountpoint, fstype, ro))
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
        out, None when an earlier call is still hanging."""
        outcomes: dict[str, tuple[bool, Any] | cf.Future[Any] | None] = {}
        futures: dict[str, cf.Future[Any]] = {}
        local: list[tuple[str, str]] = []
        for _device, mp, fstype, _ro in chosen:
            if mp in self._stuck:
                outcomes[mp] = None
            elif fstype in LOCAL_TYPES:
                local.append((mp, self._paths.rootfs(mp)))
            else:
                futures[mp] = self._pool.submit(self._statfs, self._paths.rootfs(mp))
        batch = _Batch(self._statfs, local) if local else None
        batch_future = self._pool.submit(batch.run) if batch is not None else None
        waiting = [*futures.values(), *([batch_future] if batch_future is not None else [])]
        if waiting:
            cf.wait(waiting, timeout=self._timeout)
        if batch is not None and batch_future is not None:
            if batch_future.done():
                outcomes.update(batch.results())
            else:
                done, current = batch.stop()
                outcomes.update(done)
                rest = [(mp, path) for mp, path in local if mp not in done and mp != current]
                if current is not None:
                    outcomes[current] = batch_future  # done when that statfs returns
                more = {mp: self._pool.submit(self._statfs, path) for mp, path in rest}
                if more:
                    cf.wait(list(more.values()), timeout=self._timeout)
                futures.update(more)
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
        for device, mp, fstype, ro in chosen:
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
