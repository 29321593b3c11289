"""Filesystems from a fixture mounts file; a hung statfs never blocks a collection."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from exporter.config import Duration, FilesystemsConfig, Regex
from exporter.host.filesystems import INLINE_TYPES, FilesystemReader, parse_mounts
from exporter.host.paths import HostPaths

FIXTURE = HostPaths(str(Path(__file__).resolve().parents[1] / "fixtures" / "root"))


def fake_stat(path: str) -> SimpleNamespace:
    return SimpleNamespace(f_bsize=4096, f_blocks=1000, f_bfree=400, f_bavail=300, f_files=100, f_ffree=60,
                           f_flag=0)


def test_pseudo_and_overlay_excluded_and_escapes_decoded() -> None:
    fss = {f.mountpoint: f for f in FilesystemReader(FIXTURE, FilesystemsConfig(), statfs=fake_stat)()}
    assert set(fss) == {"/", "/mnt/with space"}
    root = fss["/"]
    assert (root.size, root.free, root.avail, root.files_free) == (4096000, 1638400, 1228800, 60)
    assert fss["/mnt/with space"].readonly and not root.readonly
    assert abs(root.used_ratio - 600 / 900) < 1e-9


HUNG = 60.0  # seconds a hung statfs blocks unless the test releases it


def _mounts(tmp_path: Path, text: str) -> HostPaths:
    (tmp_path / "proc/1").mkdir(parents=True)
    (tmp_path / "proc/1/mounts").write_text(text)
    return HostPaths(str(tmp_path))


def test_hung_statfs_reported_as_failed_without_blocking(tmp_path: Path) -> None:
    paths = _mounts(tmp_path, "/dev/vda / ext4 rw 0 0\nsrv:/export /mnt/nfs nfs4 rw 0 0\n")
    release = threading.Event()
    calls: list[str] = []

    def statfs(path: str) -> SimpleNamespace:
        calls.append(path)
        if path.endswith("/mnt/nfs"):
            release.wait(HUNG)  # a hung NFS server
        return fake_stat(path)

    reader = FilesystemReader(paths, FilesystemsConfig(stat_timeout=Duration(0.2)), statfs=statfs)
    try:
        start = time.monotonic()
        first = {f.mountpoint: f for f in reader()}
        assert time.monotonic() - start < HUNG / 2  # it gave up on the hung call (a generous bound: a loaded host)
        assert "timed out" in first["/mnt/nfs"].error and first["/"].error == ""
        # While it is still hung it is not asked again: the next collection does not wait for it at all.
        second = {f.mountpoint: f for f in reader()}
        assert "still hanging" in second["/mnt/nfs"].error and second["/"].error == ""
        assert sum(1 for c in calls if c.endswith("/mnt/nfs")) == 1
    finally:
        release.set()
        reader.close()


def test_statfs_error_is_per_mount() -> None:
    def statfs(path: str) -> SimpleNamespace:
        if path.endswith("with space"):
            raise PermissionError(13, "Permission denied")
        return fake_stat(path)

    fss = {f.mountpoint: f for f in FilesystemReader(FIXTURE, FilesystemsConfig(), statfs=statfs)()}
    assert "Permission denied" in fss["/mnt/with space"].error and not fss["/"].error


def test_real_root_filesystem_matches_statvfs() -> None:
    """The real /proc/mounts and statfs; nothing excluded, so "/" is there even when it is a
    container's overlay (which the default configuration skips)."""
    everything = FilesystemsConfig(mount_points_exclude=Regex("^$"), fs_types_exclude=Regex("^$"))
    fss = {f.mountpoint: f for f in FilesystemReader(HostPaths(), everything)()}
    assert "/" in fss
    st = os.statvfs("/")
    assert fss["/"].size == st.f_blocks * st.f_bsize


def test_parse_mounts_skips_short_lines() -> None:
    assert parse_mounts("bad line\n/dev/x /a ext4 rw 0 0\n") == [("/dev/x", "/a", "ext4", False)]


def test_a_hung_mount_does_not_fail_the_others(tmp_path: Path) -> None:
    """A network mount that hangs is reported timed out; the local ones (asked in the collecting
    thread) and another network one (in a worker of its own) are served in the same collection."""
    paths = _mounts(tmp_path, "/dev/vda / ext4 rw 0 0\nsrv:/s /stuck nfs4 rw 0 0\n/dev/vdc /after ext4 rw 0 0\n"
                              "srv:/e /net nfs4 rw 0 0\n/dev/vdd /last btrfs rw 0 0\n")
    release = threading.Event()
    calls: list[str] = []

    def statfs(path: str) -> SimpleNamespace:
        calls.append(path[len(str(tmp_path)):])
        if path.endswith("/stuck"):
            release.wait(HUNG)
        return fake_stat(path)

    reader = FilesystemReader(paths, FilesystemsConfig(stat_timeout=Duration(0.2)), statfs=statfs)
    try:
        first = {f.mountpoint: f.error for f in reader()}
        assert list(first) == ["/", "/stuck", "/after", "/net", "/last"]  # the mount table's order
        assert "timed out" in first["/stuck"] and first["/"] == first["/after"] == first["/net"] == first["/last"] == ""
        second = {f.mountpoint: f.error for f in reader()}
        assert "still hanging" in second["/stuck"] and not any(e for mp, e in second.items() if mp != "/stuck")
        assert calls.count("/stuck") == 1 and calls.count("/after") == 2 and calls.count("/net") == 2
        release.set()  # the hung call returns: a later collection asks again and serves it
        deadline = time.monotonic() + HUNG / 2
        while {f.mountpoint: f.error for f in reader()}["/stuck"] != "":
            assert time.monotonic() < deadline, "the released mount was not asked again"
        assert calls.count("/stuck") == 2
    finally:
        release.set()
        reader.close()


def test_local_types_are_asked_in_the_collecting_thread_the_others_in_a_worker(tmp_path: Path) -> None:
    """INLINE_TYPES never go through the pool; network, FUSE, overlay and unknown types always do,
    and so does a local filesystem mounted under a network one (the walk to it crosses the server)."""
    local = sorted(INLINE_TYPES)
    others = ["nfs", "nfs4", "cifs", "fuse.sshfs", "ceph", "9p", "overlay", "zfs", "madeupfs"]
    lines = [f"/dev/l{i} /local/{t} {t} rw 0 0" for i, t in enumerate(local)]
    lines += [f"x{i} /other/{t} {t} rw 0 0" for i, t in enumerate(others)]
    lines += ["srv:/n /remote nfs4 rw 0 0", "/dev/sub /remote/disk ext4 rw 0 0"]
    paths = _mounts(tmp_path, "\n".join(lines) + "\n")
    threads: dict[str, int] = {}

    def statfs(path: str) -> SimpleNamespace:
        threads[path[len(str(tmp_path)):]] = threading.get_ident()
        return fake_stat(path)

    everything = FilesystemsConfig(mount_points_exclude=Regex("^$"), fs_types_exclude=Regex("^$"))
    reader = FilesystemReader(paths, everything, statfs=statfs)
    try:
        for _ in range(2):
            threads.clear()
            assert not any(f.error for f in reader())
            here = threading.get_ident()
            assert {mp for mp, ident in threads.items() if ident == here} == {f"/local/{t}" for t in local}
            assert {mp for mp, ident in threads.items() if ident != here} == {
                *(f"/other/{t}" for t in others), "/remote", "/remote/disk"}
    finally:
        reader.close()
