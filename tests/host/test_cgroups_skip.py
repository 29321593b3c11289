"""The quiet-cgroup skip of the process reader: the processes of a cgroup whose CPU usage
did not move are served their last readings without reading /proc; one that runs after a
quiet period is read again at the next collection, one moved to another cgroup is
followed, and counters never go down. Fixture trees make each case exact (a stat file
changed behind a quiet cgroup's back proves it was not read); the last tests drive real
processes in real cgroups of this host."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from exporter.host.cgroup_tree import CgroupTree
from exporter.host.paths import HostPaths
from exporter.host.pid_listing import PidListing
from exporter.host.processes import ProcessReader
from tests.support.procfs import PAGE, TICKS, FakeCgroups, FakeProc, real_cgroups, stat_line
from tests.support.servers import wait_until


@pytest.fixture()
def host(tmp_path: Path) -> tuple[FakeProc, FakeCgroups]:
    proc = FakeProc(tmp_path)
    cgroups = FakeCgroups(tmp_path)
    proc.set(1, stat_line(1, ticks=500), "9000000 100 10\n")
    for pid in (10, 11):
        proc.set(pid, stat_line(pid, ticks=100, threads=4), "5000 10 3\n")  # threaded: no schedstat probe
    cgroups.add("/app.service", 1000, pids=(10, 11))
    return proc, cgroups


def cpu_by_pid(reader: ProcessReader) -> dict[int, float]:
    return {p.pid: p.cpu_seconds for p in reader()}


def test_a_quiet_cgroups_processes_are_not_read(host: tuple[FakeProc, FakeCgroups]) -> None:
    proc, cgroups = host
    reader = proc.reader(cgroups.tree(proc))
    assert cpu_by_pid(reader)[10] == 100 / TICKS
    proc.set(10, stat_line(10, ticks=150, threads=4))  # changed, but the cgroup says nothing ran
    proc.now += 1
    assert cpu_by_pid(reader)[10] == 100 / TICKS
    assert reader.quiet_served == 2
    labels = {p.pid: p.cgroup for p in reader()}
    assert labels[10] == "/app.service" and labels[1] == "/"
    reader.close()


def test_a_process_that_runs_after_a_quiet_period_is_read_at_the_next_collection(
    host: tuple[FakeProc, FakeCgroups],
) -> None:
    proc, cgroups = host
    reader = proc.reader(cgroups.tree(proc))
    reader()
    for _ in range(3):  # a quiet period
        proc.now += 1
        reader()
    proc.set(11, stat_line(11, ticks=170, threads=4))
    cgroups.set_usage("/app.service", 1700)  # it ran: the cgroup's usage moved
    proc.now += 1
    got = cpu_by_pid(reader)
    assert got[11] == 170 / TICKS and got[10] == 100 / TICKS
    reader.close()


def test_a_quiet_process_is_still_refreshed_when_due(host: tuple[FakeProc, FakeCgroups]) -> None:
    """RSS reclaimed while it sleeps is seen within the refresh period."""
    proc, cgroups = host
    reader = proc.reader(cgroups.tree(proc))
    reader()
    proc.set(10, stat_line(10, ticks=100, threads=4, rss_pages=10))
    proc.now += 2 * ProcessReader.REFRESH_SECONDS
    assert {p.pid: p.rss_bytes for p in reader()}[10] == 10 * PAGE
    reader.close()


def test_a_process_moved_to_another_cgroup_is_followed(host: tuple[FakeProc, FakeCgroups]) -> None:
    proc, cgroups = host
    cgroups.add("/other.service", 50)
    reader = proc.reader(cgroups.tree(proc))
    reader()
    # 10 moves to other.service and runs there; app.service stays quiet.
    cgroups.set_procs("/app.service", (11,))
    cgroups.set_procs("/other.service", (10,))
    cgroups.set_usage("/other.service", 900)
    proc.set(10, stat_line(10, ticks=180, threads=4))
    proc.now += 1
    got = {p.pid: p for p in reader()}
    assert got[10].cpu_seconds == 180 / TICKS and got[10].cgroup == "/other.service"
    # Moved into the root cgroup (not listed in any non-root cgroup) it is never skipped.
    cgroups.set_procs("/other.service", ())
    cgroups.set_usage("/other.service", 901)
    proc.set(10, stat_line(10, ticks=190, threads=4))
    proc.now += 1
    got = {p.pid: p for p in reader()}
    assert got[10].cpu_seconds == 190 / TICKS and got[10].cgroup == "/"
    reader.close()


def test_counters_never_go_down_through_quiet_and_busy_periods(host: tuple[FakeProc, FakeCgroups]) -> None:
    proc, cgroups = host
    reader = proc.reader(cgroups.tree(proc))
    last = cpu_by_pid(reader)
    usage, ticks = 1000, 100
    for step in range(12):
        if step % 3 == 0:  # runs one step in three
            ticks += 7
            usage += 70000
            cgroups.set_usage("/app.service", usage)
        proc.set(10, stat_line(10, ticks=ticks, threads=4))
        proc.now += 1
        got = cpu_by_pid(reader)
        assert got[10] >= last[10]
        assert got[10] == ticks / TICKS  # and it is exact after every collection
        last = got
    reader.close()


def test_without_cgroup_v2_every_process_is_probed(tmp_path: Path) -> None:
    proc = FakeProc(tmp_path)
    proc.set(10, stat_line(10, ticks=100, threads=4), "5000 10 3\n")
    assert CgroupTree.find(HostPaths(str(tmp_path))) is None
    reader = proc.reader(None)
    reader()
    proc.set(10, stat_line(10, ticks=130, threads=4))
    assert cpu_by_pid(reader)[10] == 130 / TICKS
    assert {p.pid: p.cgroup for p in reader()}[10] == ""
    reader.close()


def test_an_unreadable_cpu_stat_means_the_cgroup_is_read(host: tuple[FakeProc, FakeCgroups]) -> None:
    proc, cgroups = host
    reader = proc.reader(cgroups.tree(proc))
    reader()
    cgroups.set_file("/app.service", "cpu.stat", "garbage\n")
    proc.set(10, stat_line(10, ticks=140, threads=4))
    proc.now += 1
    assert cpu_by_pid(reader)[10] == 140 / TICKS
    reader.close()


WORKER = (
    "import sys, time\n"
    "for line in sys.stdin:\n"
    "    t = time.process_time()\n"
    "    while time.process_time() - t < 0.2: pass\n"
    "    print('done', flush=True)\n"
)


def _work(child: subprocess.Popen[bytes]) -> None:
    """Have the child burn 0.2 s of CPU and wait until it says it is done."""
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(b"go\n")
    child.stdin.flush()
    assert child.stdout.readline() == b"done\n"


def _quiet(reader: ProcessReader, pid: int) -> None:
    """Collect until the child's cgroup has been seen quiet (it is blocked on stdin)."""
    def served() -> bool:
        before = reader.quiet_served
        reader()
        return reader.quiet_served > before

    wait_until(served, timeout=10, what=f"pid {pid} served as quiet")


@pytest.mark.integration
def test_real_processes_in_real_cgroups() -> None:
    """This host's cgroups: a child in a cgroup of its own is skipped while it sleeps, read
    with its new CPU seconds after it worked, followed into another cgroup, and always the
    same as a fresh reader that keeps nothing."""
    with real_cgroups("a", "b") as (a, b):
        child = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            (a / "cgroup.procs").write_text(str(child.pid))
            tree = CgroupTree.find(HostPaths())
            assert tree is not None
            reader = ProcessReader(HostPaths(), cgroups=tree)
            _work(child)  # it runs once it is in its cgroup
            _quiet(reader, child.pid)
            before = {p.pid: p for p in reader()}[child.pid]
            assert before.cgroup == "/" + a.name
            _work(child)
            after = {p.pid: p for p in reader()}[child.pid]
            assert after.cpu_seconds >= before.cpu_seconds + 0.15
            fresh = {p.pid: p for p in ProcessReader(HostPaths(), probe=False)()}[child.pid]
            assert fresh.cpu_seconds == after.cpu_seconds
            # Moved to b while it sleeps, then it works there: followed at the next collection.
            _quiet(reader, child.pid)
            (b / "cgroup.procs").write_text(str(child.pid))
            _work(child)
            moved = {p.pid: p for p in reader()}[child.pid]
            assert moved.cgroup == "/" + b.name and moved.cpu_seconds >= after.cpu_seconds + 0.15
            reader.close()
        finally:
            child.kill()
            child.wait()


def test_a_proc_of_another_pid_namespace_is_never_skipped(host: tuple[FakeProc, FakeCgroups]) -> None:
    """cgroup.procs names pids in our namespace: with a /proc whose self is not us (a container
    given the host's /proc without --pid=host) the pids would not match, so nothing is skipped."""
    proc, cgroups = host
    tree = cgroups.tree(proc)
    (proc.root / "proc" / "self").unlink()
    (proc.root / "proc" / "self").symlink_to("4242")
    reader = proc.reader(tree)
    reader()
    proc.set(10, stat_line(10, ticks=150, threads=4))
    proc.now += 1
    assert cpu_by_pid(reader)[10] == 150 / TICKS and reader.quiet_served == 0
    reader.close()


def test_a_sleeping_process_moved_between_quiet_cgroups_gets_its_new_label(
    host: tuple[FakeProc, FakeCgroups],
) -> None:
    """Moved while asleep (neither cgroup runs), it is found at the next membership pass and
    read once for its new cgroup label (process groups by cgroup follow it)."""
    proc, cgroups = host
    proc.set(20, stat_line(20, ticks=100), "5000 10 3\n")  # single-threaded: schedstat-probed
    cgroups.add("/b.service", 50, pids=(20,))
    cgroups.add("/c.service", 50)
    tree = cgroups.tree(proc)
    reader = proc.reader(tree)
    reader()
    cgroups.set_procs("/b.service", ())
    cgroups.set_procs("/c.service", (20,))
    proc.now += CgroupTree.MEMBERSHIP_SECONDS + 1
    assert {p.pid: p.cgroup for p in reader()}[20] == "/c.service"
    proc.now += 1
    assert {p.pid: p.cgroup for p in reader()}[20] == "/c.service"
    reader.close()


def test_while_proc_is_not_listed_the_processes_outside_quiet_blocks_are_still_read(
    host: tuple[FakeProc, FakeCgroups],
) -> None:
    """With no new pid handed out (/proc not listed) and the same quiet blocks, the reader visits
    only the survivors the blocks do not serve: one of them that runs is read at the next
    collection, a new process is found, and the quiet cgroup is still served in one block."""
    proc, cgroups = host
    proc.set(20, stat_line(20, ticks=100), "5000 10 3\n")  # in the root cgroup, schedstat-probed
    loadavg = proc.root / "proc" / "loadavg"
    loadavg.write_text("0.00 0.00 0.00 1/90 20\n")
    reader = proc.reader(cgroups.tree(proc))
    reader.listing = PidListing(str(proc.root / "proc"), own_namespace=True)  # loadavg speaks of this /proc
    for _ in range(3):
        reader()
        proc.now += 1
    listings, served = reader.listing.listings, reader.quiet_served
    proc.set(20, stat_line(20, ticks=180), "6000 12 4\n")  # it ran
    got = cpu_by_pid(reader)
    assert got[20] == 180 / TICKS and got[10] == 100 / TICKS
    assert reader.quiet_served == served + 2  # pids 10 and 11, from their block
    proc.now += 1
    proc.set(21, stat_line(21, ticks=30), "700 1 1\n")
    (proc.root / "proc" / "21" / "status").write_text("Name:\tworker\nTgid:\t21\n")
    loadavg.write_text("0.00 0.00 0.00 1/91 21\n")
    got = cpu_by_pid(reader)
    assert got[21] == 30 / TICKS and got[20] == 180 / TICKS and sorted(got) == [1, 10, 11, 20, 21]
    proc.now += 1
    proc.set(21, stat_line(21, ticks=45), "800 2 2\n")
    assert cpu_by_pid(reader)[21] == 45 / TICKS
    assert reader.listing.listings == listings  # every collection above went without a listing
    reader.close()
