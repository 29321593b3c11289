"""The mount table is reread when it changes: on a fixture file at every read, on procfs after the
kernel's mount-change poll event (a real mount and unmount in a private mount namespace)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from exporter.config import FilesystemsConfig
from exporter.host.filesystems import FilesystemReader
from exporter.host.mount_table import MountTable
from exporter.host.paths import HostPaths
from tests.support.host_tree import write_tree

ROOT = Path(__file__).resolve().parents[2]


def _stat(path: str) -> SimpleNamespace:
    return SimpleNamespace(f_bsize=4096, f_blocks=10, f_bfree=4, f_bavail=3, f_files=10, f_ffree=6, f_flag=0)


def test_a_mount_added_and_removed_in_a_fixture_tree_is_seen(tmp_path: Path) -> None:
    mounts = "/dev/vda / ext4 rw 0 0\n"
    write_tree(tmp_path, {"proc/1/mounts": mounts})
    reader = FilesystemReader(HostPaths(str(tmp_path)), FilesystemsConfig(), statfs=_stat)
    try:
        assert [f.mountpoint for f in reader()] == ["/"]
        write_tree(tmp_path, {"proc/1/mounts": mounts + "/dev/vdb /data xfs ro 0 0\n"})
        got = {f.mountpoint: f for f in reader()}
        assert list(got) == ["/", "/data"] and got["/data"].readonly and got["/data"].size == 40960
        write_tree(tmp_path, {"proc/1/mounts": "/dev/vdb /data xfs rw 0 0\n"})
        assert [(f.mountpoint, f.readonly) for f in reader()] == [("/data", False)]
        (tmp_path / "proc/1/mounts").unlink()  # then /proc/self/mounts, as before
        write_tree(tmp_path, {"proc/self/mounts": "/dev/vdc /srv ext4 rw 0 0\n"})
        assert [f.mountpoint for f in reader()] == ["/srv"]
    finally:
        reader.close()


def test_a_regular_file_is_parsed_at_every_read(tmp_path: Path) -> None:
    path = write_tree(tmp_path, {"mounts": "a\n"}) / "mounts"
    parsed: list[str] = []

    def parse(text: str) -> str:
        parsed.append(text)
        return text

    table = MountTable([str(path)], parse)
    assert table.read() == "a\n" and table.read() == "a\n"
    assert len(parsed) == 2
    with pytest.raises(OSError, match="cannot read"):
        MountTable([str(tmp_path / "absent")], parse).read()


# Run in a child with a mount namespace of its own, so the host's mounts are never touched.
_CHILD = textwrap.dedent("""
    import os, subprocess, sys, tempfile
    from exporter.host.mount_table import MountTable
    parsed = []
    def parse(text):
        parsed.append(1)
        return [line.split()[1] for line in text.splitlines()]
    table = MountTable(["/proc/self/mounts"], parse)
    where = tempfile.mkdtemp()
    first = table.read()
    assert where not in first
    assert table.read() is first and table.read() is first and len(parsed) == 1, "no change: not parsed again"
    subprocess.run(["mount", "-t", "tmpfs", "none", where], check=True)
    assert where in table.read(), "a mount is seen at the next read"
    again = table.read()
    assert table.read() is again
    subprocess.run(["mount", "-o", "remount,ro", where], check=True)
    assert table.read() is not again, "a remount is a change"
    subprocess.run(["umount", where], check=True)
    assert where not in table.read(), "an unmount is seen at the next read"
    print("ok", len(parsed))
""")


@pytest.mark.integration
@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs in a private mount namespace needs root")
def test_procfs_mounts_are_reread_after_a_mount_change_only() -> None:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare not found (Debian package util-linux)")
    out = subprocess.run([unshare, "--mount", "--propagation", "private", sys.executable, "-c", _CHILD],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ok", "4"]  # parsed at the first read and after each of the three changes only
