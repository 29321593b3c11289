"""/proc listed only when the pids handed out since the last collection cannot be probed."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

from exporter.host.paths import HostPaths
from exporter.host.pid_listing import PidListing
from exporter.host.processes import ProcessReader


class FakeProc:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(exist_ok=True)
        self.fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)

    def last_pid(self, pid: int) -> None:
        (self.root / "loadavg").write_text(f"0.00 0.01 0.05 1/99 {pid}\n")

    def task(self, tid: int, tgid: int) -> None:
        d = self.root / str(tid)
        d.mkdir(exist_ok=True)
        (d / "status").write_text(f"Name:\tw\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{tgid}\nPid:\t{tid}\n")

    def close(self) -> None:
        os.close(self.fd)


def test_new_processes_are_probed_and_threads_left_out(tmp_path: Path) -> None:
    proc = FakeProc(tmp_path / "proc")
    listing = PidListing(str(proc.root), own_namespace=True)
    try:
        for pid in (1, 3, 5):
            proc.task(pid, pid)
        proc.last_pid(5)
        assert sorted(listing.entries(proc.fd, 0.0, None), key=int) == ["1", "3", "5"]
        assert listing.listings == 1
        proc.task(6, 6)  # a process
        proc.task(7, 6)  # a thread of it (its /proc/7 can be opened, but it is no process)
        proc.task(3, 3)  # pid 3 is an old process; 8 was handed out and is gone already
        proc.last_pid(8)
        assert listing.entries(proc.fd, 1.0, ["1", "3", "5"]) == ["1", "3", "5", "6"]
        assert listing.entries(proc.fd, 2.0, ["1", "3", "5", "6"]) == ["1", "3", "5", "6"]  # nothing new
        assert listing.listings == 1 and listing.probed == 3
    finally:
        proc.close()


def test_a_wide_gap_a_wrap_or_a_due_listing_lists_proc(tmp_path: Path) -> None:
    proc = FakeProc(tmp_path / "proc")
    listing = PidListing(str(proc.root), own_namespace=True)
    try:
        proc.task(2, 2)
        proc.last_pid(100)
        listing.entries(proc.fd, 0.0, None)
        proc.last_pid(100 + PidListing.PROBE_MAX + 1)
        assert listing.entries(proc.fd, 1.0, ["2"]) == ["2"] and listing.listings == 2
        proc.last_pid(40)  # wrapped at pid_max
        proc.task(41, 41)
        assert sorted(listing.entries(proc.fd, 2.0, ["2"]), key=int) == ["2", "41"] and listing.listings == 3
        assert listing.entries(proc.fd, 2.0 + PidListing.LIST_EVERY_SECONDS, ["2"]) == ["2", "41"]
        assert listing.listings == 4
    finally:
        proc.close()


def test_another_pid_namespace_is_always_listed(tmp_path: Path) -> None:
    proc = FakeProc(tmp_path / "proc")
    listing = PidListing(str(proc.root), own_namespace=False)
    try:
        proc.last_pid(5)
        proc.task(5, 5)
        for t in range(3):
            assert listing.entries(proc.fd, float(t), ["5"]) == ["5"]
        assert listing.listings == 3
    finally:
        proc.close()


def test_this_hosts_new_child_is_seen_and_a_new_thread_is_not() -> None:
    reader = ProcessReader(HostPaths())
    reader.listing.PROBE_MAX = 1 << 22  # probe whatever the host forked in between
    release, started = threading.Event(), threading.Event()
    tids: list[int] = []

    def worker() -> None:
        tids.append(threading.get_native_id())
        started.set()
        release.wait(30)

    try:
        reader()
        listings = reader.listing.listings
        thread = threading.Thread(target=worker)
        thread.start()
        child = subprocess.Popen(["sleep", "30"])
        try:
            assert started.wait(30)
            pids = {p.pid for p in reader()}
            assert child.pid in pids and tids[0] not in pids
            assert reader.listing.listings == listings  # probed, not listed
        finally:
            release.set()
            thread.join()
            child.kill()
            child.wait()
        assert child.pid not in {p.pid for p in reader()}
    finally:
        reader.close()
