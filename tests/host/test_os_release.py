"""os: node_os_info and node_os_version from os-release under root_prefix, re-read only when it changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporter.host import os_release
from tests.support.host_tree import context, samples, write_tree

# Quoting as os-release(5) allows: double, single, none, and a comment line.
DEBIAN = """# comment
PRETTY_NAME='Debian GNU/Linux 12 (bookworm)'
NAME="Debian GNU/Linux"
VERSION_ID="12.4"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
"""


def test_labels_and_version(tmp_path: Path) -> None:
    got = samples(os_release.make(context(write_tree(tmp_path, {"usr/lib/os-release": DEBIAN})))())
    assert got == {
        ("node_os_info", (("build_id", ""), ("id", "debian"), ("id_like", ""), ("image_id", ""),
                          ("image_version", ""), ("name", "Debian GNU/Linux"),
                          ("pretty_name", "Debian GNU/Linux 12 (bookworm)"), ("variant", ""), ("variant_id", ""),
                          ("version", "12 (bookworm)"), ("version_codename", "bookworm"), ("version_id", "12.4"))): 1,
        ("node_os_version", (("id", "debian"), ("id_like", ""), ("name", "Debian GNU/Linux"))): 12.4,
    }


def test_etc_wins_and_a_change_is_seen(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"usr/lib/os-release": DEBIAN, "etc/os-release": 'ID=debian\nVERSION_ID="11"\n'})
    reader = os_release.make(context(root))
    assert samples(reader())[("node_os_version", (("id", "debian"), ("id_like", ""), ("name", "")))] == 11
    etc = root / "etc/os-release"
    etc.write_text('ID=debian\nVERSION_ID="12"\n')
    os.utime(etc, (1, 1))
    assert samples(reader())[("node_os_version", (("id", "debian"), ("id_like", ""), ("name", "")))] == 12


def test_no_file_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        os_release.make(context(tmp_path))()
