"""Kept descriptors read fresh values, never another object's, and are closed with their object."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporter.host.fd_budget import FdBudget
from exporter.host.kept_files import KeptFiles
from exporter.host.self_process import open_fds


def test_reads_fresh_values_through_one_descriptor(tmp_path: Path) -> None:
    (tmp_path / "eth0").mkdir()
    attr = tmp_path / "eth0" / "mtu"
    attr.write_text("1500\n")
    files = KeptFiles()
    files.check("eth0", str(tmp_path / "eth0"))
    assert files.read("eth0", str(attr)) == b"1500\n"
    held = open_fds()
    with open(attr, "r+") as f:  # rewritten in place, as sysfs renders a new value on each read
        f.write("9000\n")
    assert files.read("eth0", str(attr)) == b"9000\n" and open_fds() == held
    files.close()
    assert open_fds() == held - 1


def test_a_replaced_object_is_read_anew_and_absent_files_are_remembered(tmp_path: Path) -> None:
    dev = tmp_path / "eth0"
    dev.mkdir()
    (dev / "mtu").write_text("1500\n")
    files = KeptFiles()
    files.check("eth0", str(dev))
    files.read("eth0", str(dev / "mtu"))
    with pytest.raises(FileNotFoundError):
        files.read("eth0", str(dev / "speed"))
    (dev / "speed").write_text("1000\n")
    with pytest.raises(FileNotFoundError):  # the same object: still known absent, no syscall
        files.read("eth0", str(dev / "speed"))
    os.rename(dev, tmp_path / "eth1")  # renamed; another interface takes the name
    dev.mkdir()
    (dev / "mtu").write_text("1400\n")
    (dev / "speed").write_text("100\n")
    files.check("eth0", str(dev))
    assert files.read("eth0", str(dev / "mtu")) == b"1400\n"
    assert files.read("eth0", str(dev / "speed")) == b"100\n"
    files.close()


def test_retain_closes_vanished_objects_and_the_limit_is_kept(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x").write_text(name)
    files = KeptFiles(FdBudget(1))
    held = open_fds()
    for name in ("a", "b"):
        files.check(name, str(tmp_path / name))
        assert files.read(name, str(tmp_path / name / "x")) == name.encode()
    assert open_fds() == held + 1  # b's was read and closed: over the limit
    files.retain({"b"})
    assert open_fds() == held


def test_proc_files_read_whole_files_fresh_and_close(tmp_path: Path) -> None:
    from exporter.host.kept_files import KeptReader

    big = tmp_path / "udp"
    big.write_text("".join(f"line {i}\n" for i in range(2000)))  # ~17 KB: more than one read
    small = tmp_path / "file-nr"
    small.write_text("10\t0\t99\n")
    held = open_fds()
    reader = KeptReader(lambda text: (text(str(big)), text(str(small))))
    first_big, first_small = reader()
    assert first_big == big.read_text() and first_small == "10\t0\t99\n"
    with open(small, "r+") as f:
        f.write("11")
    assert reader()[1] == "11\t0\t99\n" and open_fds() == held + 2
    with pytest.raises(FileNotFoundError):
        KeptReader(lambda text: text(str(tmp_path / "absent")))()
    reader.close()
    assert open_fds() == held


def test_the_budget_follows_the_open_files_limit() -> None:
    """At Debian's default of 1,024 a few descriptors are kept; at a limit of 96 none, so the
    server keeps what it has for sockets (a fault test runs the exporter at 96)."""
    from exporter.host.fd_budget import RESERVED, cgroup_share, files_share, process_share

    assert files_share(96) == 0 and cgroup_share(96) == 0 and process_share(96) == 0
    assert files_share(1024) == 64 and cgroup_share(1024) == 64 and process_share(1024) == 1024 - RESERVED - 128
    assert files_share(1 << 20) == 1024 and cgroup_share(1 << 20) == 4096
    # 10,000 processes in 500 services at this VM's limit of 20,000: all fit, the cgroups' 1,000 too
    assert cgroup_share(20000) >= 2 * 500 and process_share(20000) >= 10000
    budget = FdBudget(2)
    assert budget.take() and budget.take() and not budget.take()
    budget.give()
    assert budget.take()


def test_a_kept_file_without_budget_is_read_and_closed_each_time(tmp_path: Path) -> None:
    from exporter.host.sysfs import KeptFile

    path = tmp_path / "value"
    path.write_text("1")
    held = open_fds()
    kept = KeptFile(str(path), budget=FdBudget(0))
    assert kept.read() == b"1" and open_fds() == held
    path.write_text("2")
    assert kept.read() == b"2" and open_fds() == held
    kept.close()


def test_only_the_kernel_s_proc_is_kept_open(tmp_path: Path) -> None:
    """A tree of regular files (fixtures under a root_prefix) is read by opening each file: one moved
    away is then missed at once, not read on through a kept descriptor."""
    from exporter.host import load
    from exporter.host.kept_files import keeps
    from exporter.host.paths import HostPaths
    from tests.support.host_tree import context, write_tree

    assert keeps(HostPaths()) and not keeps(HostPaths(str(tmp_path)))
    write_tree(tmp_path, {"proc/stat": "cpu  1 0 0 0\n", "proc/loadavg": "0.5 0.2 0.1 1/100 42\n"})
    reader = load.make(context(tmp_path))
    try:
        assert reader().load1 == 0.5
        os.rename(tmp_path / "proc/loadavg", tmp_path / "moved")
        with pytest.raises(FileNotFoundError):
            reader()
    finally:
        reader.close()
