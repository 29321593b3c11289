"""stat: /proc/stat's system counters under node_exporter's names; softirqs only when asked."""

from __future__ import annotations

from pathlib import Path

from exporter.host import cpu, stat
from exporter.host.stat_text import MAX_AGE, StatText
from tests.support.host_tree import collect, context, samples, write_tree

STAT = """cpu  301854 612 111922 8979004 3552 2 3944 0 44 36
cpu0 44490 19 21045 1087069 220 1 3410 0 2 1
intr 8885917 17 0 0
ctxt 38014093
btime 1418183276
processes 26442
procs_running 2
procs_blocked 1
softirq 5057579 250191 1481983 1647 211099 186066 0 1783454 622196 12499 508444
"""


def test_counters_and_gauges(tmp_path: Path) -> None:
    got = collect(stat.make, write_tree(tmp_path, {"proc/stat": STAT}))
    assert got == {
        ("node_intr_total", ()): 8885917,
        ("node_context_switches_total", ()): 38014093,
        ("node_forks_total", ()): 26442,
        ("node_boot_time_seconds", ()): 1418183276,
        ("node_procs_running", ()): 2,
        ("node_procs_blocked", ()): 1,
    }


def test_softirq_vectors_when_enabled(tmp_path: Path) -> None:
    got = collect(stat.make, write_tree(tmp_path, {"proc/stat": STAT}), stat={"softirq": True})
    assert got[("node_softirqs_total", (("vector", "hi"),))] == 250191
    assert got[("node_softirqs_total", (("vector", "rcu"),))] == 508444
    assert sum(1 for k in got if k[0] == "node_softirqs_total") == 10


def test_the_cpu_collectors_read_of_this_collection_is_used_once(tmp_path: Path) -> None:
    """cpu runs first in a collection and offers its /proc/stat text; stat takes it once: the
    next call without a cpu read before it reads the file."""
    write_tree(tmp_path, {"proc/stat": STAT})
    ctx = context(tmp_path)  # one registry's context: its `shared` is the collectors' common state
    cpu_reader, stat_reader = cpu.make(ctx), stat.make(ctx)
    try:
        cpu_reader()
        write_tree(tmp_path, {"proc/stat": STAT.replace("ctxt 38014093", "ctxt 38014094")})
        assert samples(stat_reader())[("node_context_switches_total", ())] == 38014093  # cpu's read
        assert samples(stat_reader())[("node_context_switches_total", ())] == 38014094  # its own
        cpu_reader()
        assert samples(stat_reader())[("node_context_switches_total", ())] == 38014094
    finally:
        cpu_reader.close()
        stat_reader.close()


def test_an_offered_text_older_than_max_age_is_not_used() -> None:
    now = [100.0]
    share = StatText[str](lambda: now[0])
    share.offer("cpu  1\n")
    now[0] += MAX_AGE
    assert share.take() == "cpu  1\n"
    assert share.take() is None  # taken once
    share.offer("cpu  2\n")
    now[0] += MAX_AGE + 0.001
    assert share.take() is None
