"""The schedstat probe of ProcessReader: a sleeping single-threaded process that has not
run is served its last reading; anything that ran, has threads, or is due is read afresh.

Fake /proc trees (regular files, read through the same kept descriptors) make each
case exact; one test drives a real child process through sleep → work → sleep."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from exporter.host.paths import HostPaths
from exporter.host.processes import ProcessReader
from exporter.sampling.snapshot import Process
from tests.support.procfs import PAGE, TICKS, FakeProc, stat_line
from tests.support.servers import wait_until


@pytest.fixture()
def fake(tmp_path: Path) -> FakeProc:
    f = FakeProc(tmp_path)
    f.set(1, stat_line(1, ticks=500), "9000000 100 10\n")
    return f


def by_pid(reader: ProcessReader) -> dict[int, tuple[float, int, str, int]]:
    return {p.pid: (p.cpu_seconds, p.rss_bytes, p.state, p.threads) for p in reader()}


def test_unchanged_schedstat_serves_the_last_reading_until_due(fake: FakeProc) -> None:
    fake.set(7, stat_line(7, ticks=100, rss_pages=1000), "5000 10 3\n")
    reader = fake.reader()
    assert by_pid(reader)[7] == (100 / TICKS, 1000 * PAGE, "S", 1)
    fake.set(7, stat_line(7, ticks=100, rss_pages=800))  # RSS reclaimed while it slept
    assert by_pid(reader)[7][1] == 1000 * PAGE  # not run: last reading
    fake.now += 2 * ProcessReader.REFRESH_SECONDS  # due for a refresh
    assert by_pid(reader)[7][1] == 800 * PAGE
    reader.close()


def test_a_process_that_ran_is_read_afresh(fake: FakeProc) -> None:
    fake.set(7, stat_line(7, ticks=100), "5000 10 3\n")
    reader = fake.reader()
    reader()
    fake.set(7, stat_line(7, ticks=130), "6000 10 4\n")
    assert by_pid(reader)[7][0] == 130 / TICKS
    fake.set(7, stat_line(7, ticks=150), "6000 25 4\n")  # queued to run (wait time moved)
    assert by_pid(reader)[7][0] == 150 / TICKS
    reader.close()


def test_running_or_threaded_processes_are_always_read(fake: FakeProc) -> None:
    fake.set(7, stat_line(7, state="R", ticks=100), "5000 10 3\n")
    fake.set(8, stat_line(8, ticks=100, threads=4), "5000 10 3\n")
    reader = fake.reader()
    reader()
    fake.set(7, stat_line(7, state="R", ticks=140))  # schedstat untouched: still read
    fake.set(8, stat_line(8, ticks=170, threads=4))  # other threads ran; the leader did not
    got = by_pid(reader)
    assert got[7][0] == 140 / TICKS and got[8][0] == 170 / TICKS
    # A process that stops running starts being probed, and one that starts threads stops.
    fake.set(7, stat_line(7, state="S", ticks=141), "5100 10 4\n")
    fake.set(8, stat_line(8, ticks=171, threads=1), "5000 10 3\n")
    reader()
    fake.set(7, stat_line(7, state="S", ticks=199))
    fake.set(8, stat_line(8, ticks=199))
    got = by_pid(reader)
    assert got[7][0] == 141 / TICKS and got[8][0] == 171 / TICKS  # both sleeping, not run
    fake.set(8, stat_line(8, ticks=250, threads=3), "7000 10 9\n")
    reader()
    fake.set(8, stat_line(8, ticks=260, threads=3))
    assert by_pid(reader)[8] == (260 / TICKS, 1000 * PAGE, "S", 3)
    reader.close()


def test_kernel_without_scheduler_statistics_reads_every_stat(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path)
    fake.set(1, stat_line(1, ticks=500), "0 0 0\n")
    fake.set(7, stat_line(7, ticks=100), "0 0 0\n")
    reader = fake.reader()
    reader()
    fake.set(7, stat_line(7, ticks=120))
    assert by_pid(reader)[7][0] == 120 / TICKS
    reader.close()


@pytest.mark.integration
def test_a_real_child_is_followed_through_sleep_work_sleep() -> None:
    """Real /proc: the probe must notice a sleeping process that wakes, works and sleeps again.

    The child says when it is about to block and when its work is done, so the test waits
    for those lines (and for the kernel to show it asleep), never for time to pass."""
    code = (
        "import sys, time\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
        "t = time.process_time()\n"
        "while time.process_time() - t < 0.3: pass\n"
        "print('done', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    reader = ProcessReader(HostPaths())
    unprobed = ProcessReader(HostPaths(), probe=False)

    def asleep() -> Process | None:
        """The child as a reader that keeps nothing sees it, once it blocks on stdin."""
        p = {p.pid: p for p in unprobed()}[child.pid]
        return p if p.state == "S" else None

    try:
        assert child.stdout.readline() == b"ready\n"
        wait_until(asleep, 10, what="the child blocking on stdin")
        before = {p.pid: p for p in reader()}[child.pid]
        assert before.state == "S" and before.threads == 1
        assert {p.pid: p for p in reader()}[child.pid].cpu_seconds == before.cpu_seconds
        child.stdin.write(b"go\n")
        child.stdin.flush()
        assert child.stdout.readline() == b"done\n"  # it worked 0.3 s of CPU
        fresh = wait_until(asleep, 10, what="the child blocking again")
        after = {p.pid: p for p in reader()}[child.pid]
        assert after.cpu_seconds >= before.cpu_seconds + 0.25
        assert fresh.cpu_seconds == after.cpu_seconds  # the same as a reader that keeps nothing
    finally:
        child.kill()
        child.wait()
        reader.close()
        unprobed.close()


@pytest.mark.integration
def test_processes_created_and_ended_between_collections_are_seen_at_once() -> None:
    """The listing of /proc is skipped while no pid was handed out; a new process must
    still show up in the very next collection, and an ended one leave it."""
    reader = ProcessReader(HostPaths())
    try:
        reader()
        reader()  # a collection without a new process in between
        child = subprocess.Popen(["sleep", "30"])
        try:
            assert child.pid in {p.pid for p in reader()}
        finally:
            child.kill()
            child.wait()
        assert child.pid not in {p.pid for p in reader()}
        assert child.pid not in {p.pid for p in reader()}  # nor a later one without a listing
    finally:
        reader.close()


CHILDREN = 30


HELD_AFTER_TWO_READS = """
import json, os, re, sys
from exporter.config import config_from_dict
from exporter.host.registry import HostReader
def per_process_fds():  # descriptors on /proc/PID/ files: the processes collector's (/proc/net ones are others')
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            n += bool(re.match(r"/proc/[0-9]+/(?!net/)", os.readlink(f"/proc/self/fd/{fd}")))  # not /proc/net
        except OSError:
            pass
    return n
keep = sys.argv[1] == "true"
reader = HostReader(config_from_dict({"processes": {"keep_files_open": keep}}))
before = per_process_fds()
reader.read()
snap = reader.read()
print(json.dumps([per_process_fds() - before, len(snap.processes or ())]))
"""


@pytest.mark.integration
def test_keep_files_open_false_holds_no_descriptors() -> None:
    """processes.keep_files_open: false trades CPU for kernel memory: nothing stays open.

    Measured in a fresh interpreter (the test process's own threads open and close descriptors
    of their own); CHILDREN processes of our own make sure there are enough to tell "none" from
    "one each", whatever else runs on the host."""
    import json

    def held_after_two_reads(keep: bool) -> tuple[int, int]:
        out = subprocess.run([sys.executable, "-c", HELD_AFTER_TWO_READS, "true" if keep else "false"],
                             capture_output=True, text=True, check=True, timeout=60).stdout
        held, n = json.loads(out)
        return int(held), int(n)

    children = [subprocess.Popen(["sleep", "60"]) for _ in range(CHILDREN)]
    try:
        held, n = held_after_two_reads(False)
        assert n > CHILDREN and held < 10  # none per process (slack for /proc/PID files other collectors keep)
        held, n = held_after_two_reads(True)
        assert held >= n - 5  # one per process (a few may have exited in between)
    finally:
        for c in children:
            c.kill()
            c.wait()
