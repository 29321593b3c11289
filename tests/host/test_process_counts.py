"""processes: node_processes_* from the reader's own tuple, the limits from /proc/sys/kernel."""

from __future__ import annotations

from pathlib import Path

from exporter.host.paths import HostPaths
from exporter.host.process_counts import Limits, ProcessCounts
from tests.support.host_tree import samples, write_tree
from tests.support.snapshots import proc


def test_counts_from_the_readers_tuple(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"proc/sys/kernel/pid_max": "123\n", "proc/sys/kernel/threads-max": "7801\n"})
    procs = (proc(1, "init", state="S"), proc(2, "kthreadd", state="I"), proc(3, "java", state="S", threads=40))
    counts = ProcessCounts(lambda: procs, HostPaths(str(root)))
    value, families = counts()
    assert value is procs
    assert samples(families) == {
        ("node_processes_threads", ()): 42,
        ("node_processes_state", (("state", "I"),)): 1,
        ("node_processes_state", (("state", "S"),)): 2,
        ("node_processes_pids", ()): 3,
        ("node_processes_max_threads", ()): 7801,
        ("node_processes_max_processes", ()): 123,
    }
    (root / "proc/sys/kernel/pid_max").write_text("4194304\n")  # same file, rewritten: the kept fd sees it
    assert samples(counts()[1])[("node_processes_max_processes", ())] == 4194304
    counts.close()


def test_an_unreadable_limit_is_left_out(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"proc/sys/kernel/threads-max": "garbage\n"})
    limits = Limits(HostPaths(str(root)))
    assert limits.read() == [None, None]
    (root / "proc/sys/kernel/pid_max").write_text("99\n")
    assert limits.read() == [None, 99.0]  # reopened once it exists
    limits.close()
