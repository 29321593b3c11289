"""The reclaim watch and the refresh periods it sets: a sleeping process's reading is kept
for the long period while the kernel reclaims nothing, and for the short one once it does
(readings kept for the long one are brought forward); a quiet cgroup's members fall due
together, so the cgroup is served in one block between refreshes."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.config import config_from_dict
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths
from exporter.host.processes import ProcessReader
from exporter.host.reclaim import ReclaimWatch, RefreshPeriods
from exporter.host.stat_text import shared_vmstat
from exporter.host.vmstat import make as make_vmstat
from tests.support.procfs import PAGE, FakeCgroups, FakeProc, stat_line


def test_the_watch_sees_a_reclaim_counter_move(tmp_path: Path) -> None:
    proc = FakeProc(tmp_path)
    proc.set_vmstat(pgsteal=10)
    watch = ReclaimWatch(str(tmp_path / "proc" / "vmstat"))
    assert watch.moved() is False  # the first look: a baseline
    assert watch.moved() is False
    proc.set_vmstat(pgsteal=11)
    assert watch.moved() is True
    assert watch.moved() is False
    proc.set_vmstat(pgsteal=11, pswpout=1)
    assert watch.moved() is True
    watch.close()


def test_the_watch_takes_the_vmstat_collectors_read_of_the_same_collection(tmp_path: Path) -> None:
    """A full collection's vmstat collector hands its bytes on (the file is not read twice); a
    collection without it (the page's partial one) reads the file."""
    proc = FakeProc(tmp_path)
    proc.set_vmstat(pgsteal=10)
    config = config_from_dict({"root_prefix": str(tmp_path)})
    ctx = CollectorContext(HostPaths(str(tmp_path)), config, None)
    vmstat = make_vmstat(ctx)
    watch = ReclaimWatch(str(tmp_path / "proc" / "vmstat"), shared_vmstat(ctx))
    vmstat()
    assert watch.moved() is False  # the baseline, from the collector's bytes
    proc.set_vmstat(pgsteal=11)
    vmstat()
    assert watch.moved() is True
    vmstat()
    (tmp_path / "proc" / "vmstat").unlink()  # after the collector's read: only its bytes can answer
    assert watch.moved() is False
    assert watch.moved() is True  # nothing offered now and no file: counted as reclaim
    proc.set_vmstat(pgsteal=11)
    assert watch.moved() is False  # read from the file itself
    proc.set_vmstat(pgsteal=12)
    assert watch.moved() is True
    vmstat.close()
    watch.close()


def test_an_unreadable_or_unknown_vmstat_counts_as_reclaim(tmp_path: Path) -> None:
    missing = ReclaimWatch(str(tmp_path / "nope"))
    assert missing.moved() is True and missing.moved() is True
    odd = tmp_path / "vmstat"
    odd.write_text("nr_free_pages 5\n")
    watch = ReclaimWatch(str(odd))
    assert watch.moved() is True and watch.moved() is True
    watch.close()


def test_a_due_date_is_the_end_of_the_phased_period(tmp_path: Path) -> None:
    periods = RefreshPeriods(ReclaimWatch(str(tmp_path / "nope")), 45.0, 300.0)
    assert periods.update(0.0) is False and periods.period == 45.0  # unreadable: short
    for key in (0, 5, 15):
        phase = key / 16 * 45.0
        due = periods.due(key, 100.0)
        assert 100.0 < due <= 145.0 and (due + phase) % 45.0 == pytest.approx(0.0)
        assert periods.due(key, due - 0.001) == due and periods.due(key, due) == due + 45.0


@pytest.fixture()
def fake(tmp_path: Path) -> FakeProc:
    f = FakeProc(tmp_path)
    f.set_vmstat()
    f.set(1, stat_line(1, ticks=500), "9000000 100 10\n")
    f.set(7, stat_line(7, ticks=100, rss_pages=1000), "5000 10 3\n")
    return f


def rss_of_7(reader: ProcessReader) -> int:
    return {p.pid: p.rss_bytes for p in reader()}[7]


def test_without_reclaim_a_sleeping_reading_is_kept_for_the_long_period(fake: FakeProc) -> None:
    long = ProcessReader.QUIET_REFRESH_SECONDS
    fake.now = 4 * long - 7 / 16 * long  # the start of a long period for pid 7 (phased by pid)
    reader = fake.reader()
    assert rss_of_7(reader) == 1000 * PAGE
    fake.set(7, stat_line(7, ticks=100, rss_pages=800))  # changed behind its back (no counter moved)
    fake.now += 2 * ProcessReader.REFRESH_SECONDS
    assert rss_of_7(reader) == 1000 * PAGE
    fake.now += ProcessReader.QUIET_REFRESH_SECONDS
    assert rss_of_7(reader) == 800 * PAGE
    reader.close()


def test_once_the_kernel_reclaims_a_sleeping_reading_is_refreshed_within_the_short_period(fake: FakeProc) -> None:
    reader = fake.reader()
    reader()
    fake.now += 1
    reader()  # kept until the end of the long period
    fake.set(7, stat_line(7, ticks=100, rss_pages=700))  # pages stolen while it slept
    fake.set_vmstat(pgsteal=300)
    fake.now += 1
    assert rss_of_7(reader) == 1000 * PAGE  # not due yet: the short period runs from here
    fake.now += ProcessReader.REFRESH_SECONDS
    assert rss_of_7(reader) == 700 * PAGE
    reader.close()


def test_a_quiet_cgroups_members_fall_due_together(tmp_path: Path) -> None:
    proc = FakeProc(tmp_path)
    proc.set_vmstat()
    cgroups = FakeCgroups(tmp_path)
    pids = (10, 11, 12, 13)
    for pid in pids:
        proc.set(pid, stat_line(pid, ticks=100, threads=4), "5000 10 3\n")  # threaded: no schedstat probe
        proc.now += 7  # read for the first time at different moments
        cgroups.add("/app.service", 1000, pids=pids[: pids.index(pid) + 1])
    reader = proc.reader(cgroups.tree(proc))
    reader()
    dues = {k[3][0]: k[4] for k in reader._kept.values() if k[3][0] in pids}
    assert len(set(dues.values())) == 1, dues  # one due date for the cgroup
    served = reader.quiet_served
    for _ in range(5):  # quiet: the whole cgroup is served from its block each time
        proc.now += 1
        reader()
    assert reader.quiet_served - served == 5 * len(pids)
    reader.close()
