"""os: node_os_info and node_os_version from os-release under root_prefix, re-read only when it changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporter.host import os_release
from tests.support.host_tree import context, samples, write_tree

# Ubuntu 20.04's file, whose output node_exporter's e2e-output.txt shows.
FOCAL = """NAME="Ubuntu"
VERSION="20.04.2 LTS (Focal Fossa)"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME="Ubuntu 20.04.2 LTS"
VERSION_ID="20.04"
HOME_URL="https://www.ubuntu.com/"
VERSION_CODENAME=focal
UBUNTU_CODENAME=focal
"""


def test_labels_and_version_as_node_exporter(tmp_path: Path) -> None:
    got = samples(os_release.make(context(write_tree(tmp_path, {"usr/lib/os-release": FOCAL})))())
    assert got == {
        ("node_os_info", (("build_id", ""), ("id", "ubuntu"), ("id_like", "debian"), ("image_id", ""),
                          ("image_version", ""), ("name", "Ubuntu"), ("pretty_name", "Ubuntu 20.04.2 LTS"),
                          ("variant", ""), ("variant_id", ""), ("version", "20.04.2 LTS (Focal Fossa)"),
                          ("version_codename", "focal"), ("version_id", "20.04"))): 1,
        ("node_os_version", (("id", "ubuntu"), ("id_like", "debian"), ("name", "Ubuntu"))): 20.04,
    }


def test_etc_wins_and_a_change_is_seen(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"usr/lib/os-release": FOCAL, "etc/os-release": 'ID=debian\nVERSION_ID="11"\n'})
    reader = os_release.make(context(root))
    assert samples(reader())[("node_os_version", (("id", "debian"), ("id_like", ""), ("name", "")))] == 11
    etc = root / "etc/os-release"
    etc.write_text('ID=debian\nVERSION_ID="12"\n')
    os.utime(etc, (1, 1))
    assert samples(reader())[("node_os_version", (("id", "debian"), ("id_like", ""), ("name", "")))] == 12


def test_no_file_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        os_release.make(context(tmp_path))()
