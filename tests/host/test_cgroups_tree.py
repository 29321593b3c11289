"""The cgroup v2 tree: the mount found from mountinfo (pure v2, hybrid, under root_prefix),
one usage sample per cgroup, membership from cgroup.procs, and a new walk when cgroups
are made or removed. Fixture trees, plus this host's real hierarchy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporter.host.cgroup_tree import CgroupTree, find_v2_mount, parse_keyed, usage_usec
from exporter.host.paths import HostPaths
from tests.support.procfs import FakeCgroups, FakeProc, real_cgroups


@pytest.mark.parametrize("hybrid", [False, True])
def test_the_mount_is_found_in_mountinfo_under_the_root_prefix(tmp_path: Path, hybrid: bool) -> None:
    fake = FakeCgroups(tmp_path, hybrid=hybrid)
    assert find_v2_mount(HostPaths(str(tmp_path))) == str(fake.mount)


def test_no_cgroup2_line_means_no_tree(tmp_path: Path) -> None:
    (tmp_path / "proc" / "self").mkdir(parents=True)
    (tmp_path / "proc" / "self" / "mountinfo").write_text(
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    )
    assert find_v2_mount(HostPaths(str(tmp_path))) is None
    assert CgroupTree.find(HostPaths(str(tmp_path))) is None
    assert find_v2_mount(HostPaths(str(tmp_path / "nothing"))) is None


def test_a_bind_mounted_subtree_is_not_the_hierarchy(tmp_path: Path) -> None:
    FakeCgroups(tmp_path)
    info = tmp_path / "proc" / "self" / "mountinfo"
    info.write_text(info.read_text().replace(" / /sys/fs/cgroup ", " /docker/abc /sys/fs/cgroup "))
    assert find_v2_mount(HostPaths(str(tmp_path))) is None


def test_parsers() -> None:
    assert usage_usec(b"usage_usec 1522\nuser_usec 900\n") == 1522
    assert usage_usec(b"user_usec 900\nusage_usec 7\n") == 7
    assert parse_keyed(b"nr_descendants 3\nbad line\n") == {b"nr_descendants": 3}


def test_sample_marks_the_cgroups_that_ran_and_maps_pids(tmp_path: Path) -> None:
    clock = FakeProc(tmp_path)
    fake = FakeCgroups(tmp_path)
    fake.add("/system.slice", 500)
    fake.add("/system.slice/a.service", 300, pids=(10, 11))
    fake.add("/system.slice/b.service", 200, pids=(12,))
    tree = fake.tree(clock)
    tree.sample()
    assert sorted(tree.cgroups) == ["/", "/system.slice", "/system.slice/a.service", "/system.slice/b.service"]
    assert all(cg.moved for cg in tree.cgroups.values())  # nothing to compare with yet
    a = tree.cgroups["/system.slice/a.service"]
    assert a.depth == 2 and tree.cgroup_of("10") is a and tree.cgroup_of("12") is not a
    assert tree.cgroup_of("1") is None  # in the root cgroup
    fake.set_usage("/system.slice/a.service", 350)
    fake.set_usage("/system.slice", 550)
    clock.now += 1
    tree.sample()
    moved = {p for p, cg in tree.cgroups.items() if cg.moved}
    assert moved == {"/system.slice", "/system.slice/a.service"}
    tree.close()


def test_a_moved_cgroups_members_are_read_again(tmp_path: Path) -> None:
    """A process moved into b.service and run there makes b move: it is mapped to b at once."""
    clock = FakeProc(tmp_path)
    fake = FakeCgroups(tmp_path)
    fake.add("/a.service", 100, pids=(10, 11))
    fake.add("/b.service", 100, pids=(12,))
    tree = fake.tree(clock)
    tree.sample()
    fake.set_procs("/a.service", (11,))
    fake.set_procs("/b.service", (10, 12))
    fake.set_usage("/b.service", 150)
    clock.now += 1
    tree.sample()
    assert tree.cgroup_of("10") is tree.cgroups["/b.service"]
    assert tree.cgroup_of("11") is tree.cgroups["/a.service"]


def test_membership_is_read_in_full_periodically(tmp_path: Path) -> None:
    """A process moved into a cgroup that did not run (or into the root) is found within
    MEMBERSHIP_SECONDS, though neither cgroup moved."""
    clock = FakeProc(tmp_path)
    fake = FakeCgroups(tmp_path)
    fake.add("/a.service", 100, pids=(10,))
    fake.add("/b.service", 100)
    tree = fake.tree(clock)
    tree.sample()
    fake.set_procs("/a.service", ())
    fake.set_procs("/b.service", (10,))
    clock.now += 1
    tree.sample()
    assert tree.cgroup_of("10") is tree.cgroups["/a.service"]  # not read: nothing moved
    clock.now += CgroupTree.MEMBERSHIP_SECONDS
    tree.sample()
    assert tree.cgroup_of("10") is tree.cgroups["/b.service"]
    fake.set_procs("/b.service", ())  # back to the root cgroup
    clock.now += CgroupTree.MEMBERSHIP_SECONDS
    tree.sample()
    assert tree.cgroup_of("10") is None


def test_a_membership_pass_that_finds_the_same_members_keeps_their_set(tmp_path: Path) -> None:
    """The process reader's block of a quiet cgroup's readings is valid while the members are
    the same set object: a periodic pass that finds them unchanged must not replace it."""
    clock = FakeProc(tmp_path)
    fake = FakeCgroups(tmp_path)
    fake.add("/a.service", 100, pids=(10, 11))
    tree = fake.tree(clock)
    tree.sample()
    members = tree.cgroups["/a.service"].members
    clock.now += CgroupTree.MEMBERSHIP_SECONDS + 1
    tree.sample()
    assert tree.cgroups["/a.service"].members is members
    assert tree.cgroup_of("10") is tree.cgroups["/a.service"]
    fake.set_procs("/a.service", (10,))
    clock.now += CgroupTree.MEMBERSHIP_SECONDS + 1
    tree.sample()
    assert tree.cgroups["/a.service"].members == {"10"} and tree.cgroup_of("11") is None


def test_new_and_removed_cgroups_are_walked_again_at_once(tmp_path: Path) -> None:
    clock = FakeProc(tmp_path)
    fake = FakeCgroups(tmp_path)
    fake.add("/a.service", 100, pids=(10,))
    tree = fake.tree(clock)
    tree.sample()
    fake.add("/c.service", 5, pids=(30,))
    clock.now += 1
    tree.sample()
    assert "/c.service" in tree.cgroups and tree.cgroup_of("30") is tree.cgroups["/c.service"]
    fake.remove("/a.service")
    clock.now += 1
    tree.sample()
    assert "/a.service" not in tree.cgroups and tree.cgroup_of("10") is None
    tree.close()


def test_this_hosts_hierarchy() -> None:
    """The real mount: the root's usage is the system's and moves, a child cgroup made for
    the test is found, and a process moved into it is mapped to it."""
    with real_cgroups("tree") as (made,):
        tree = CgroupTree.find(HostPaths())
        assert tree is not None
        tree.sample()
        path = "/" + made.name
        assert path in tree.cgroups
        (made / "cgroup.procs").write_text(str(os.getpid()))
        os.sched_yield()
        sum(range(100000))  # run a little in it
        tree.sample()
        assert tree.cgroups["/"].usage > 0
        assert tree.cgroups[path].moved and tree.cgroups[path].usage > 0
        assert tree.cgroup_of(str(os.getpid())) is tree.cgroups[path]
        tree.close()
