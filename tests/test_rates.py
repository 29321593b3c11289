from __future__ import annotations

from support.snapshots import cpu, proc, snapshot

from exporter.rates import compute_rates


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
    assert r.process_cpu[(5, 100)] == 25.0  # 0.5 s over 2 s


def test_counter_going_backwards_is_not_negative() -> None:
    a = snapshot(5, t=1000)
    b = snapshot(1, t=1001)  # eth0 counters smaller: interface re-created
    assert compute_rates(a, b).net["eth0"] == (0.0, 0.0)


def test_reused_pid_is_a_new_process() -> None:
    a = snapshot(1, t=1000, processes=(proc(5, "x", 100.0, start=1),))
    b = snapshot(2, t=1001, processes=(proc(5, "y", 0.1, start=2),))
    assert compute_rates(a, b).process_cpu == {}
