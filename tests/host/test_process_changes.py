"""The process reader's own account of what changed (ProcessChanges) gives the same diff
as comparing every process, whatever ran, started, exited, reused a pid, moved cgroup,
sat in a quiet cgroup or had no kept descriptor; and node_processes_* moved by it are
what counting every process gives."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from prometheus_client.metrics_core import Metric

from exporter.host.paths import HostPaths
from exporter.host.process_counts import ProcessCounts, count_families
from exporter.host.processes import ProcessReader
from exporter.sampling.rates import ProcessDiff, compare_processes, diff_processes
from exporter.sampling.snapshot import Process, ProcessList
from tests.support.procfs import FakeCgroups, FakeProc, stat_line


def stat(pid: int, ticks: int, threads: int, start: int) -> str:
    return stat_line(pid, ticks=ticks, threads=threads).replace(" 0 900 ", f" 0 {start} ", 1)


def same(a: ProcessDiff, b: ProcessDiff) -> bool:
    def pairs(d: ProcessDiff) -> list[tuple[Process | None, Process]]:
        return sorted(d.pairs, key=lambda pair: pair[1])

    return (sorted(a.changed) == sorted(b.changed) and a.used == b.used and a.first_seen == b.first_seen
            and a.gone == b.gone
            and a.changed_pids == b.changed_pids and pairs(a) == pairs(b))


def samples(families: Sequence[Metric]) -> dict[tuple[str, tuple[str, ...]], float]:
    return {(s.name, tuple(s.labels.values())): s.value for f in families for s in f.samples
            if s.name in ("node_processes_state", "node_processes_threads", "node_processes_pids")}


def test_the_readers_account_is_the_full_comparison(tmp_path: Path) -> None:
    rng = random.Random(11)
    proc, cgroups = FakeProc(tmp_path), FakeCgroups(tmp_path)
    live: dict[int, list[int]] = {}  # pid → [ticks, threads, start, service]
    sched: dict[int, int] = {}

    def write(pid: int) -> None:
        ticks, threads, start, _svc = live[pid]
        sched[pid] = sched.get(pid, 0) + 1
        proc.set(pid, stat(pid, ticks, threads, start), f"{sched[pid]} 10 {sched[pid]}\n")

    for pid in range(2, 40):
        live[pid] = [rng.randrange(500), rng.choice((1, 1, 3)), 100, rng.randrange(3)]
        write(pid)
    usage = [0, 0, 0]

    def place() -> None:
        for svc in (1, 2):
            cgroups.set_procs(f"/s{svc}.service", tuple(p for p, v in live.items() if v[3] == svc))
            cgroups.set_usage(f"/s{svc}.service", usage[svc])

    for svc in (1, 2):
        cgroups.add(f"/s{svc}.service", 0)
    place()
    reader = ProcessReader(HostPaths(str(tmp_path)), max_open=25, clock=proc.clock, cgroups=cgroups.tree(proc))
    counts = ProcessCounts(reader, HostPaths(str(tmp_path)))  # node_processes_*, moved by the changes

    def read() -> ProcessList:
        cur, families = counts()
        assert samples(families) == samples(count_families(cur, [None, None]))  # as counted afresh
        assert isinstance(cur, ProcessList)
        return cur

    before = read()
    next_pid, start = 100, 200
    try:
        for step in range(60):
            proc.now += rng.choice((0.5, 1.0, 40.0))  # now and then past every refresh
            for pid in rng.sample(sorted(live), 4):  # some run
                live[pid][0] += rng.randrange(1, 50)
                write(pid)
                usage[live[pid][3]] += 7
            if rng.random() < 0.5:  # one exits
                pid = rng.choice(sorted(live))
                usage[live.pop(pid)[3]] += 1
                shutil.rmtree(tmp_path / "proc" / str(pid))
            for _ in range(rng.randrange(3)):  # some start
                live[next_pid] = [0, 1, start, rng.randrange(3)]
                usage[live[next_pid][3]] += 1
                write(next_pid)
                next_pid, start = next_pid + 1, start + 1
            if step % 7 == 3:  # a pid handed to a new process
                pid = rng.choice(sorted(live))
                live[pid] = [1, 1, start, live[pid][3]]
                start += 1
                write(pid)
                usage[live[pid][3]] += 1
            if step % 9 == 4:  # one moves to another service
                pid = rng.choice(sorted(live))
                live[pid][3] = (live[pid][3] % 2) + 1
            place()
            cur = read()
            assert isinstance(cur, ProcessList) and cur.changes is not None and cur.changes.follows(before)
            assert same(diff_processes(before, cur), compare_processes(before, cur)), step
            assert {p.pid for p in cur} == set(live)
            before = cur
        reader()  # a list nobody diffed
        after = read()
        assert after.changes is not None and not after.changes.follows(before)  # one list in between
        assert same(diff_processes(before, after), compare_processes(before, after))
    finally:
        reader.close()


def test_this_hosts_children_starting_and_ending() -> None:
    """On the real /proc: a child that ended is read as gone (its kept descriptor fails)."""
    reader = ProcessReader(HostPaths())
    children = [subprocess.Popen(["sleep", "30"]) for _ in range(3)]
    try:
        before = reader()
        children[0].kill()
        children[0].wait()
        children.append(subprocess.Popen(["sleep", "30"]))
        cur = reader()
        mine = diff_processes(before, cur)
        assert cur.changes is not None and cur.changes.follows(before)
        assert same(mine, compare_processes(before, cur))
        assert children[0].pid in mine.gone and children[3].pid in mine.changed_pids
    finally:
        for c in children:
            c.kill()
            c.wait()
        reader.close()
