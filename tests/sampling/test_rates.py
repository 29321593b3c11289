from __future__ import annotations

from exporter.sampling.rates import compute_rates, rate_of
from tests.support.snapshots import cpu, proc, snapshot


def test_no_previous_snapshot_gives_no_rates() -> None:
    r = compute_rates(None, snapshot())
    assert r.cpu_percent is None and r.net == {} and r.process_cpu == {}


def test_rates_from_two_snapshots() -> None:
    a = snapshot(1, t=1000, cpus=(cpu(10, 90, "0"), cpu(20, 80, "1")), processes=(proc(5, "x", 1.0),))
    b = snapshot(2, t=1002, cpus=(cpu(11, 91, "0"), cpu(22, 80, "1")), processes=(proc(5, "x", 1.5),))
    r = compute_rates(a, b)
    assert r.interval == 2
    assert r.cpu_per_core == (50.0, 100.0)
    assert r.cpu_percent == 75.0
    assert r.net["eth0"] == (500.0, 250.0)  # 1000 B and 500 B more over 2 s
    assert r.disk["sda"] == (2048.0, 4096.0)
    assert r.process_cpu[5] == 25.0  # 0.5 s over 2 s


def test_counter_going_backwards_is_not_negative() -> None:
    a = snapshot(5, t=1000)
    b = snapshot(1, t=1001)  # eth0 counters smaller: interface re-created
    assert compute_rates(a, b).net["eth0"] == (0.0, 0.0)


def test_reused_pid_is_a_new_process() -> None:
    a = snapshot(1, t=1000, processes=(proc(5, "x", 100.0, start=1),))
    b = snapshot(2, t=1001, processes=(proc(5, "y", 0.1, start=2),))
    assert compute_rates(a, b).process_cpu == {}


def test_top_by_cpu_ranks_by_rate_then_by_lifetime_cpu() -> None:
    from exporter.sampling.rates import top_by_cpu, top_by_memory

    idle_old = proc(1, "idle-old", 50.0)
    a = snapshot(1, t=1000, processes=(idle_old, proc(2, "busy", 1.0), proc(3, "busier", 1.0), proc(4, "idle", 5.0)))
    fresh = proc(9, "new", 80.0, start=500)  # seen once: no rate yet, ranked by its CPU seconds
    b = snapshot(2, t=1001, processes=(idle_old, proc(2, "busy", 1.2), proc(3, "busier", 1.9), proc(4, "idle", 5.0),
                                       fresh))
    r = compute_rates(a, b)
    assert r.process_cpu[1] == 0.0 and 9 not in r.process_cpu
    assert [p.name for p in r.active] == ["busy", "busier"]
    assert [p.name for p in top_by_cpu(b.processes or (), r, 4)] == ["busier", "busy", "new", "idle-old"]
    assert [p.name for p in top_by_cpu(b.processes or (), r, 1)] == ["busier"]
    assert [p.pid for p in top_by_memory(b.processes or (), 2)] == [1, 2]  # equal RSS: first come


def test_process_rates_match_the_plain_definition() -> None:
    """Processes served again as the same object, rebuilt with new CPU seconds, new, gone,
    and pids reused: every rate is what the definition gives, whatever the mix."""
    import random

    rng = random.Random(7)
    for _ in range(50):
        before = tuple(proc(pid, "p", rng.uniform(0, 100), start=1) for pid in rng.sample(range(1, 400), 120))
        after = []
        for p in before:
            roll = rng.random()
            if roll < 0.5:
                after.append(p)  # not run since: the reader hands back the same object
            elif roll < 0.7:
                after.append(proc(p.pid, "p", p.cpu_seconds + rng.choice((0.0, 0.5)), start=1))
            elif roll < 0.8:
                after.append(proc(p.pid, "p", 1.0, start=2))  # the pid has a new owner
        after += [proc(pid, "new", 3.0, start=9) for pid in range(500, 510)]
        rng.shuffle(after)
        a = snapshot(1, t=1000, processes=before)
        b = snapshot(2, t=1002, processes=tuple(after))
        old = {p.pid: p for p in before}
        expected = {p.pid: max(0.0, (p.cpu_seconds - old[p.pid].cpu_seconds) * 50.0)
                    for p in after if p.pid in old and old[p.pid].start_time == p.start_time}
        r = compute_rates(a, b)
        assert all(rate_of(r.process_cpu, p) == expected.get(p.pid) for p in after)  # before building it whole
        assert r.process_cpu == expected
        assert [p.pid for p in r.active] == [p.pid for p in after if expected.get(p.pid)]  # in snapshot order
