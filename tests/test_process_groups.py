from __future__ import annotations

from support.snapshots import proc

from exporter.process_groups import OTHER, ProcessGroups


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
