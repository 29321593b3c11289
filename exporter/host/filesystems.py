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
from exporter.host.paths import HostPaths, read_text
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


class FilesystemReader:
    """Stateful: remembers mounts whose statfs has not returned yet."""

    def __init__(
        self,
        paths: HostPaths,
        config: FilesystemsConfig,
        statfs: Callable[[str], Any] = os.statvfs,
    ) -> None:
        self._paths = paths
        self._mount_exclude = re.compile(config.mount_points_exclude)
        self._type_exclude = re.compile(config.fs_types_exclude)
        self._timeout = float(config.stat_timeout)
        self._statfs = statfs
        self._stuck: dict[str, cf.Future[Any]] = {}
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    @staticmethod
    def _new_pool() -> cf.ThreadPoolExecutor:
        return cf.ThreadPoolExecutor(max_workers=4, thread_name_prefix="statfs")

    def _mounts(self) -> list[tuple[str, str, str, bool]]:
        for candidate in (self._paths.proc("1", "mounts"), self._paths.proc("self", "mounts")):
            try:
                return parse_mounts(read_text(candidate))
            except OSError:
                continue
        raise OSError("cannot read /proc/1/mounts or /proc/self/mounts")

    def __call__(self) -> tuple[Filesystem, ...]:
        with self._lock:
            return self._read()

    def _read(self) -> tuple[Filesystem, ...]:
        chosen: dict[str, tuple[str, str, str, bool]] = {}
        for device, mountpoint, fstype, ro in self._mounts():
            if self._mount_exclude.search(mountpoint) or self._type_exclude.search(fstype):
                continue
            chosen.setdefault(mountpoint, (device, mountpoint, fstype, ro))

        # Still-stuck mounts are not asked again; finished ones are forgotten.
        for mp, stuck in list(self._stuck.items()):
            if stuck.done():
                del self._stuck[mp]
        if len(self._stuck) >= 3:  # most workers are blocked: give new calls fresh threads
            self._pool.shutdown(wait=False)
            self._pool = self._new_pool()

        futures: dict[str, cf.Future[Any]] = {}
        for mp in chosen:
            if mp not in self._stuck:
                futures[mp] = self._pool.submit(self._statfs, self._paths.rootfs(mp))
        if futures:
            cf.wait(list(futures.values()), timeout=self._timeout)

        result = []
        for mp, (device, _, fstype, ro) in chosen.items():
            fut = futures.get(mp)
            if fut is None:
                result.append(Filesystem(device, mp, fstype, readonly=ro, error="statfs still hanging"))
                continue
            if not fut.done():
                self._stuck[mp] = fut
                result.append(
                    Filesystem(device, mp, fstype, readonly=ro, error=f"statfs timed out after {self._timeout:g}s")
                )
                continue
            exc = fut.exception()
            if exc is not None:
                result.append(Filesystem(device, mp, fstype, readonly=ro, error=str(exc) or type(exc).__name__))
                continue
            st = fut.result()
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
        self._pool.shutdown(wait=False, cancel_futures=True)


def make(ctx: CollectorContext) -> FilesystemReader:
    if ctx.statfs is not None:
        return FilesystemReader(ctx.paths, ctx.config.filesystems, statfs=ctx.statfs)
    return FilesystemReader(ctx.paths, ctx.config.filesystems)
