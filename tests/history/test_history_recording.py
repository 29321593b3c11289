"""series_from (a Reading → the recorded series), HistoryRecorder pacing, history_families."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from prometheus_client.core import CollectorRegistry

from exporter.config import Duration, HistoryConfig, config_from_dict
from exporter.history import HistoryRecorder, describe, history_families, series_from
from exporter.sampling.reading import Reading, make_reading
from exporter.sampling.snapshot import Disk, Filesystem, NetInterface, Snapshot
from tests.support.history import HOUR0, FakeClock, make_store, write
from tests.support.snapshots import cpu, snapshot
from tests.support.wiring import runtime_for

HIDDEN = re.compile(r"^(lo|veth.*)$")


def reading_at(t: float) -> Reading:
    """Two snapshots 2 s apart ending at `t`: every recorded series has a known value."""
    a = snapshot(1, t=t - 2, mem_total=1000, mem_available=588, swap_total=0, swap_free=0,
                 cpus=(cpu(10, 90, "0"), cpu(20, 80, "1")), filesystems=FILESYSTEMS, network=NICS(0),
                 disks=(Disk("vda", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),))
    b = snapshot(2, t=t, mem_total=1000, mem_available=588, swap_total=0, swap_free=0,
                 cpus=(cpu(11, 91, "0"), cpu(20.5, 81.5, "1")), filesystems=FILESYSTEMS, network=NICS(1),
                 disks=(Disk("vda", 0, 0, 0, 0, 0, 0, 8192, 0, 0, 0, 0),))
    return make_reading(a, b)


GiB = 1024**3
FILESYSTEMS = (
    Filesystem("/dev/vda", "/", "ext4", size=100 * GiB, free=88 * GiB, avail=88 * GiB),
    Filesystem("/dev/vdb", "/home", "ext4", size=10 * GiB, free=5 * GiB, avail=5 * GiB),
    Filesystem("srv:/x", "/mnt/nfs", "nfs4", error="statfs timed out after 5s"),
)


def NICS(k: int) -> tuple[NetInterface, ...]:  # noqa: N802 - reads as a constant with a parameter
    return (NetInterface("eth0", 200 * k, 0, 0, 0, 40 * k, 0, 0, 0, True),
            NetInterface("eth0.100", 2 * k, 0, 0, 0, 0, 0, 0, 0, True),
            NetInterface("veth12ab", 10 * k, 0, 0, 0, 10 * k, 0, 0, 0, True))


EXPECTED = {
    "cpu.percent": 37.5,  # core 0: 1 of 2 ticks busy, core 1: 0.5 of 2
    "load.load1": 0.5,
    "memory.percent": 41.2,
    "fs./.percent": 12.0,
    "fs./home.percent": 50.0,
    "net.eth0.rx_bytes_per_second": 100.0,
    "net.eth0.tx_bytes_per_second": 20.0,
    "net.eth0.100.rx_bytes_per_second": 1.0,
    "net.eth0.100.tx_bytes_per_second": 0.0,
    "disk.vda.read_bytes_per_second": 0.0,
    "disk.vda.write_bytes_per_second": 4096.0,
}


def test_series_from_a_reading_are_the_main_series_with_exact_values() -> None:
    # No swap: no swap series; veth12ab hidden; the hung NFS mount skipped.
    assert series_from(reading_at(HOUR0), HIDDEN) == EXPECTED


def test_a_first_reading_or_failed_areas_record_only_what_they_have() -> None:
    only = snapshot(1, t=HOUR0)
    assert set(series_from(make_reading(None, only), HIDDEN)) == {
        "load.load1", "memory.percent", "swap.percent", "fs./.percent"}
    bare = Snapshot(timestamp=HOUR0, monotonic=HOUR0)
    assert series_from(make_reading(None, bare), HIDDEN) == {}


def test_a_reading_goes_through_the_real_path_into_sqlite_and_back(tmp_path: Path) -> None:
    """The running wiring: Sampler → HistoryRecorder subscriber → store → query, exact values."""
    store = make_store(tmp_path, FakeClock(HOUR0 + 60))
    store.start()
    reading = reading_at(HOUR0)
    assert reading.prev is not None
    runtime = runtime_for(reading.prev, reading.cur, config=dataclasses.replace(
        config_from_dict({"dirsize": {"enabled": False}, "network": {"page_hide": HIDDEN.pattern}}),
        history=HistoryConfig(True, Duration(1.0))), history=store)
    runtime.sampler.latest()
    runtime.sampler.latest()
    store.flush()
    result = store.query(list(EXPECTED), HOUR0 - 60, HOUR0 + 60, points=120)
    assert {name: s.avg[-1] for name, s in result.series.items() if s.avg} == EXPECTED
    store.close()


def test_describe_gives_units_even_for_names_with_dots() -> None:
    assert describe("net.eth0.100.tx_bytes_per_second").unit == "bytes_per_second"
    assert "eth0.100" in describe("net.eth0.100.tx_bytes_per_second").description
    assert describe("fs./var/lib.percent").description.startswith("Space used on filesystem /var/lib")
    assert describe("disk.nvme0n1.read_bytes_per_second").unit == "bytes_per_second"
    assert describe("load.load1").unit == "load"
    assert describe("something.else").unit == ""


def test_recorder_keeps_one_sample_per_interval(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    rec = HistoryRecorder(store, 10.0, HIDDEN)
    for t in range(0, 60):  # one Reading per second
        rec.on_reading(reading_at(HOUR0 + t))
    store.flush()
    assert store.samples_written == 6
    store.close()


def test_recorder_tolerates_jitter_and_clock_steps(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    rec = HistoryRecorder(store, 10.0, HIDDEN)
    ticks = [0.0, 10.02, 19.98, 30.1, 39.9]  # a ticker at the interval, with jitter: nothing skipped
    for t in ticks:
        assert rec.wants(HOUR0 + t)
        rec.on_reading(reading_at(HOUR0 + t))
    assert not rec.wants(HOUR0 + 35)  # out of order, within one interval
    assert rec.wants(HOUR0 - 3600)  # the clock was stepped back: restart pacing
    rec.on_reading(reading_at(HOUR0 - 3600))
    assert rec.wants(HOUR0 - 3600 + 10) and not rec.wants(HOUR0 - 3600 + 5)
    store.close()


def test_recorder_never_blocks_on_a_stuck_writer(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock, queue_size=3)  # writer not started: the queue fills
    rec = HistoryRecorder(store, 10.0, HIDDEN)
    for i in range(10):
        rec.on_reading(reading_at(HOUR0 + 10 * i))
    assert store.dropped_samples == 7
    store.close()


class _Families:
    def __init__(self, store: Any) -> None:
        self.store = store

    def collect(self):
        return history_families(self.store)


def test_history_families_expose_status_with_help(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    write(store, HOUR0, {"x": 1.0})
    registry = CollectorRegistry()
    registry.register(_Families(store))
    get = registry.get_sample_value
    assert get("sysmon_history_up") == 1
    assert get("sysmon_history_write_errors_total") == 0
    assert get("sysmon_history_dropped_samples_total") == 0
    assert get("sysmon_history_last_write_timestamp_seconds") == HOUR0
    size = get("sysmon_history_database_size_bytes")
    assert size is not None and size > 0
    for family in registry.collect():
        assert family.documentation, family.name
    assert list(history_families(None)) == []
    store.close()
