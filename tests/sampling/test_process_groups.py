from __future__ import annotations

import pytest

from exporter.sampling.process_groups import OTHER, GroupStats, ProcessGroups
from exporter.sampling.rates import diff_processes
from exporter.sampling.snapshot import Process
from tests.support.snapshots import proc


def test_counter_never_goes_down_when_a_process_exits() -> None:
    g = ProcessGroups(max_groups=10)
    first = {s.name: s for s in g.update(1, (proc(1, "nginx", 10.0), proc(2, "nginx", 5.0)))}
    assert first["nginx"].cpu_seconds_total == 15.0 and first["nginx"].processes == 2
    second = {s.name: s for s in g.update(2, (proc(1, "nginx", 11.0),))}
    assert second["nginx"].cpu_seconds_total == 16.0  # 11 live + 5 from the exited one
    assert second["nginx"].processes == 1


def test_cardinality_is_capped_with_other_bucket() -> None:
    g = ProcessGroups(max_groups=3)
    procs = tuple(proc(i, f"name{i}", float(i)) for i in range(1, 11))
    stats = g.update(1, procs)
    names = {s.name for s in stats}
    assert len(names) == 3 and OTHER in names
    # heaviest names got the slots
    assert {"name10", "name9"} <= names
    later = g.update(2, (*procs, proc(99, "newcomer", 1000.0)))
    assert "newcomer" not in {s.name for s in later}


def test_same_snapshot_is_not_counted_twice() -> None:
    g = ProcessGroups(max_groups=5)
    g.update(1, (proc(1, "a", 1.0),))
    g.update(2, ())
    again = g.update(2, ())
    assert {s.name: s.cpu_seconds_total for s in again} == {"a": 1.0}


def test_sums_patched_from_changed_processes_equal_a_full_recount() -> None:
    """Over a random run of collections (processes working, growing, exiting, starting),
    the patched sums equal those of a ProcessGroups that recounts everything each time,
    and no group's CPU counter ever goes down."""
    import random

    rng = random.Random(7)
    patched, recounting = ProcessGroups(max_groups=6), ProcessGroups(max_groups=6)
    recounting.RECOUNT_EVERY = 1
    procs = [proc(i, f"name{i % 9}", float(i), rss=1000 * i, start=i) for i in range(1, 60)]
    next_pid = 100
    highest: dict[str, float] = {}
    for seq in range(1, 200):
        roll = rng.random()
        if roll < 0.1 and procs:
            procs.pop(rng.randrange(len(procs)))  # an exit: the set changes
        elif roll < 0.2:
            procs.append(proc(next_pid, f"name{next_pid % 11}", 0.5, start=next_pid))
            next_pid += 1
        else:  # a few of them ran: new objects for them, the same objects for the rest
            for i in rng.sample(range(len(procs)), k=min(3, len(procs))):
                p = procs[i]
                procs[i] = p._replace(cpu_seconds=p.cpu_seconds + rng.random(), rss_bytes=p.rss_bytes + 4096,
                                      threads=rng.choice((1, 2)))
        ours = patched.update(seq, tuple(procs))
        theirs = recounting.update(seq, tuple(procs))
        def counts(stats: tuple[GroupStats, ...]) -> list[tuple[str, int, int, int]]:
            return [(s.name, s.processes, s.threads, s.rss_bytes) for s in stats]

        assert counts(ours) == counts(theirs)
        # Sums in another order may differ in the last bits.
        assert [s.cpu_seconds_total for s in ours] == pytest.approx([s.cpu_seconds_total for s in theirs], rel=1e-12)
        for s in ours:
            assert s.cpu_seconds_total >= highest.get(s.name, 0.0)
            highest[s.name] = s.cpu_seconds_total


def test_groups_keyed_by_cgroup_follow_a_process_that_moves() -> None:
    """processes.group_by: cgroup (process-exporter's {{.Cgroups}}): one group per service;
    a process moved to another service takes its live seconds along, and no counter drops."""
    g = ProcessGroups(max_groups=10, key="cgroup")
    web = "/system.slice/web.service"
    db = "/system.slice/db.service"
    first = {s.name: s for s in g.update(1, (proc(1, "nginx", 10.0, cgroup=web), proc(2, "nginx", 5.0, cgroup=web),
                                             proc(3, "postgres", 7.0, cgroup=db)))}
    assert first[web].processes == 2 and first[web].cpu_seconds_total == 15.0 and first[db].processes == 1
    second = {s.name: s for s in g.update(2, (proc(1, "nginx", 10.0, cgroup=web), proc(2, "nginx", 6.0, cgroup=db),
                                              proc(3, "postgres", 7.0, cgroup=db)))}
    assert second[db].processes == 2 and second[db].cpu_seconds_total == 13.0
    assert second[web].cpu_seconds_total == 15.0  # never below what was exported


def test_churn_is_patched_to_the_same_sums_as_a_recount() -> None:
    """Processes that come, go and run between updates: the incremental sums equal what a
    full recount of the same history gives, and no counter goes down."""
    import random

    rng = random.Random(14)
    live = {pid: proc(pid, f"name{pid % 7}", float(pid % 5), rss=1000 * pid, start=pid) for pid in range(1, 60)}
    incremental = ProcessGroups(max_groups=5)
    diffed = ProcessGroups(max_groups=5)  # fed each Reading's diff, as the Sampler does
    recounted = ProcessGroups(max_groups=5)
    recounted.RECOUNT_EVERY = 1
    last: dict[str, float] = {}
    next_pid = 100
    prev: tuple[Process, ...] | None = None
    for seq in range(1, 80):
        for pid in rng.sample(sorted(live), 3):  # some exit
            del live[pid]
        for _ in range(rng.randrange(2, 6)):  # some start
            live[next_pid] = proc(next_pid, f"name{next_pid % 9}", 0.5, rss=10 * next_pid, start=next_pid)
            next_pid += 1
        for pid in rng.sample(sorted(live), 5):  # some run
            p = live[pid]
            live[pid] = p._replace(cpu_seconds=p.cpu_seconds + rng.random(), rss_bytes=p.rss_bytes + 4096)
        if seq % 10 == 0:  # a pid handed to a new process between two updates
            pid = rng.choice(sorted(live))
            live[pid] = proc(pid, "reborn", 0.1, rss=5, start=10_000 + seq)
        procs = tuple(live.values())
        a = {s.name: s for s in incremental.update(seq, procs)}
        b = {s.name: s for s in recounted.update(seq, procs)}
        diff = diff_processes(prev, procs) if prev is not None else None
        c = {s.name: s for s in diffed.update(seq, procs, diff, prev)}
        prev = procs
        assert set(a) == set(b) == set(c)
        for name in a:
            for other in (b, c):
                assert (a[name].processes, a[name].threads, a[name].rss_bytes) == (
                    other[name].processes, other[name].threads, other[name].rss_bytes), name
                assert abs(a[name].cpu_seconds_total - other[name].cpu_seconds_total) < 1e-6
            assert a[name].cpu_seconds_total >= last.get(name, 0.0)
            last[name] = a[name].cpu_seconds_total
    assert diffed.recounts == 1  # the first update; every later one from the diff
