"""The per-service collector (sysmon_cgroup_*): one series per cgroup down to max_depth,
at most max_series of them with the rest summed as "other" (sticky slots, heaviest
first), counters that never go down when cgroups go, quiet cgroups served their last
figures until due. A fixture tree, then this host's real hierarchy."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

from prometheus_client.core import Metric

from exporter.config import config_from_dict
from exporter.exposition.host_families import reading_families
from exporter.host.cgroups import CgroupUsageCollector, parse_io_stat, parse_pressure
from exporter.host.paths import HostPaths
from exporter.host.registry import HostReader
from exporter.sampling.reading import make_reading
from exporter.sampling.snapshot import CgroupUsage, Snapshot
from tests.support.procfs import FakeCgroups, FakeProc, real_cgroups

PSI = "some avg10=0.00 avg60=0.00 avg300=0.00 total={some}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total={full}\n"


def by_name(series: tuple[CgroupUsage, ...]) -> dict[str, CgroupUsage]:
    return {s.name: s for s in series}


def fixture(tmp_path: Path) -> tuple[FakeProc, FakeCgroups]:
    clock = FakeProc(tmp_path)
    fake = FakeCgroups(tmp_path)
    fake.add("/system.slice", 9_000_000)
    fake.add("/system.slice/db.service", 6_000_000, memory=300 << 20)
    fake.set_file("/system.slice/db.service", "io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2\n"
                                                         "8:16 rbytes=1 wbytes=2 rios=1 wios=1\n")
    fake.set_file("/system.slice/db.service", "io.pressure", PSI.format(some=2_500_000, full=1_000_000))
    fake.set_file("/system.slice/db.service", "cpu.pressure", PSI.format(some=500_000, full=0))
    fake.add("/system.slice/web.service", 2_000_000, memory=100 << 20)
    fake.add("/system.slice/cron.service", 1_000_000, memory=1 << 20)
    fake.add("/user.slice/user-1000.slice/user@1000.service/app.slice", 1)  # depth 4: beyond max_depth 3
    return clock, fake


def test_parsers() -> None:
    assert parse_io_stat(b"8:0 rbytes=10 wbytes=20 rios=1\n8:16 rbytes=1 wbytes=2\n") == (11, 22)
    assert parse_pressure(PSI.format(some=1_500_000, full=250_000).encode()) == (1.5, 0.25)
    assert parse_pressure(b"some avg10=0.00 avg60=0.00 avg300=0.00 total=7\n") == (7e-6, None)


def test_series_carry_every_file(tmp_path: Path) -> None:
    clock, fake = fixture(tmp_path)
    collect = CgroupUsageCollector(fake.tree(clock), max_series=100, max_depth=3, clock=clock.clock)
    got = by_name(collect())
    assert "/user.slice/user-1000.slice/user@1000.service/app.slice" not in got
    assert "/user.slice/user-1000.slice/user@1000.service" in got
    db = got["/system.slice/db.service"]
    assert db.cpu_seconds == 6.0 and db.memory_bytes == 300 << 20
    assert (db.io_read_bytes, db.io_written_bytes) == (4097, 8194)
    assert (db.io_waiting_seconds, db.io_stalled_seconds, db.cpu_waiting_seconds) == (2.5, 1.0, 0.5)
    assert got["/system.slice"].memory_bytes is None and got["/system.slice"].io_read_bytes is None
    assert "other" not in got


def test_beyond_max_series_the_rest_is_other_and_slots_stick(tmp_path: Path) -> None:
    clock, fake = fixture(tmp_path)
    collect = CgroupUsageCollector(fake.tree(clock), max_series=2, max_depth=2, clock=clock.clock)
    got = by_name(collect())
    # The heaviest two get slots; web and cron are summed.
    assert set(got) == {"/system.slice", "/system.slice/db.service", "other"}
    assert got["other"].cpu_seconds == 3.0 and got["other"].cgroups == 4  # with /user.slice/user-1000.slice
    assert got["other"].memory_bytes == (100 << 20) + (1 << 20)
    # cron becomes the busiest: slots stay where they are.
    fake.set_usage("/system.slice/cron.service", 50_000_000)
    clock.now += 1
    got = by_name(collect())
    assert set(got) == {"/system.slice", "/system.slice/db.service", "other"}
    assert got["other"].cpu_seconds == 52.0


def test_counters_never_go_down_when_cgroups_go(tmp_path: Path) -> None:
    clock, fake = fixture(tmp_path)
    collect = CgroupUsageCollector(fake.tree(clock), max_series=2, max_depth=2, clock=clock.clock)
    first = by_name(collect())
    fake.remove("/system.slice/web.service")  # in "other": its seconds stay there
    fake.remove("/system.slice/db.service")  # a slot: restarted below under the same path
    clock.now += 1
    second = by_name(collect())
    assert second["other"].cpu_seconds >= first["other"].cpu_seconds
    assert second["/system.slice/db.service"].cpu_seconds == 6.0 and second["/system.slice/db.service"].cgroups == 0
    fake.add("/system.slice/db.service", 1_000_000)  # the service restarted in a fresh cgroup
    clock.now += 1
    third = by_name(collect())
    assert third["/system.slice/db.service"].cpu_seconds == 7.0
    assert third["/system.slice/db.service"].io_read_bytes == 4097  # what the old cgroup had read stays
    for name, s in third.items():
        assert s.cpu_seconds >= second.get(name, s).cpu_seconds


def test_a_quiet_cgroup_keeps_its_figures_until_due(tmp_path: Path) -> None:
    clock, fake = fixture(tmp_path)
    collect = CgroupUsageCollector(fake.tree(clock), max_series=100, max_depth=3, clock=clock.clock)
    collect()
    reads = collect.reads
    fake.set_file("/system.slice/web.service", "memory.current", f"{50 << 20}\n")  # reclaimed while asleep
    clock.now += 1
    assert by_name(collect())["/system.slice/web.service"].memory_bytes == 100 << 20
    assert collect.reads == reads  # nothing moved: no cgroup file read
    fake.set_usage("/system.slice/cron.service", 1_000_500)
    clock.now += 1
    collect()
    assert collect.reads == reads + 1  # only the one that ran
    clock.now += 2 * CgroupUsageCollector.REFRESH_SECONDS
    assert by_name(collect())["/system.slice/web.service"].memory_bytes == 50 << 20


def test_families_through_the_registry(tmp_path: Path) -> None:
    """The collector row, the Snapshot field and the sysmon_cgroup_* families, on a fixture root."""
    clock, fake = fixture(tmp_path)
    (tmp_path / "proc" / "loadavg").write_text("0.00 0.00 0.00 1/100 1\n")
    config = config_from_dict({"root_prefix": str(tmp_path), "enabled_collectors": [],
                               "disabled_collectors": ["filesystem", "uname", "cpu", "meminfo", "loadavg",
                                                       "diskstats", "netdev"]})
    reader = HostReader(config)
    snap = reader.read()
    assert {c.name: c.success for c in snap.collectors}["cgroup_usage"]
    samples = {}
    for fam in reading_families(make_reading(None, snap), 0, ()):
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    cg = (("cgroup", "/system.slice/db.service"),)
    assert samples[("sysmon_cgroup_cpu_usage_seconds_total", cg)] == 6.0
    assert samples[("sysmon_cgroup_memory_current_bytes", cg)] == 300 << 20
    assert samples[("sysmon_cgroup_io_read_bytes_total", cg)] == 4097
    assert samples[("sysmon_cgroup_pressure_io_stalled_seconds_total", cg)] == 1.0
    assert samples[("sysmon_cgroup_cgroups", cg)] == 1
    reader.close()


def test_without_cgroup_v2_the_collector_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "proc" / "self").mkdir(parents=True)
    (tmp_path / "proc" / "self" / "mountinfo").write_text("")
    config = config_from_dict({"root_prefix": str(tmp_path),
                               "disabled_collectors": ["filesystem", "uname", "cpu", "meminfo", "loadavg",
                                                       "diskstats", "netdev", "processes"]})
    reader = HostReader(config)
    result = {c.name: c for c in reader.read().collectors}["cgroup_usage"]
    assert not result.success and "not available here" in result.error


def test_this_hosts_cgroups() -> None:
    """A cgroup made for the test shows the CPU our own process spends in it."""
    with real_cgroups("usage") as (made,):
        from exporter.host.cgroup_tree import CgroupTree

        tree = CgroupTree.find(HostPaths())
        assert tree is not None
        collect = CgroupUsageCollector(tree, max_series=1000, max_depth=1)
        path = "/" + made.name
        assert by_name(collect())[path].cpu_seconds == 0.0
        (made / "cgroup.procs").write_text(str(os.getpid()))
        # The scheduler's own clock for this thread, as precise as the cgroup's usage_usec
        # (os.times() counts ticks, and may count more than the cgroup saw).
        t = time.thread_time()
        while time.thread_time() - t < 0.05:
            pass
        got = by_name(collect())[path]
        assert got.cpu_seconds >= 0.049
        assert got.cpu_waiting_seconds is not None  # PSI files exist in every v2 cgroup
        collect.close()


def test_unchanged_series_are_not_built_again(tmp_path: Path) -> None:
    """While no cgroup moved the collector hands back the same tuple, and /metrics serves the
    families (and lines) rendered for it; a change is rendered afresh."""
    from exporter.exposition.encoding import choose
    from exporter.exposition.families import Family

    clock, fake = fixture(tmp_path)
    collect = CgroupUsageCollector(fake.tree(clock), max_series=100, max_depth=3, clock=clock.clock)
    first = collect()
    clock.now += 1
    assert collect() is first

    class Source:
        def __init__(self, series: tuple[CgroupUsage, ...]) -> None:
            self.snap = make_reading(None, _snapshot(series))

        def collect(self) -> Iterator[Metric]:
            return (f for f in reading_families(self.snap, 0, None) if f.name.startswith("sysmon_cgroup"))

    encoder, _ = choose(None)
    built = list(Source(first).collect())
    one = encoder(Source(first))
    again = Source(first)
    fams = list(again.collect())
    assert all(isinstance(f, Family) for f in fams) and all(a is b for a, b in zip(fams, built, strict=True))
    assert encoder(again) == one
    fake.set_usage("/system.slice/db.service", 7_000_000)
    clock.now += 1
    changed = collect()
    assert changed is not first
    assert b'sysmon_cgroup_cpu_usage_seconds_total{cgroup="/system.slice/db.service"} 7.0' in encoder(
        Source(changed))


def _snapshot(series: tuple[CgroupUsage, ...]) -> Snapshot:
    return Snapshot(timestamp=0.0, monotonic=0.0, cgroups=series)
