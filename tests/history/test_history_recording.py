"""series_from_data, HistoryRecorder pacing, history_families."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prometheus_client.core import CollectorRegistry

from exporter.history import HistoryRecorder, describe, history_families, series_from_data
from tests.support.history import HOUR0, FakeClock, make_store

DATA: dict[str, Any] = {
    "timestamp": 1700000000.0,
    "cpu": {"count": 2, "percent": 12.5, "per_core": [10.0, 15.0]},
    "load": {"load1": 0.5, "load5": 0.4, "load15": 0.3},
    "memory": {"total_bytes": 100, "used_bytes": 41, "available_bytes": 59, "percent": 41.2},
    "swap": {"total_bytes": 0, "used_bytes": 0, "percent": 0.0},
    "filesystems": [
        {"mountpoint": "/", "device": "/dev/vda", "percent": 12.0, "error": ""},
        {"mountpoint": "/home", "device": "/dev/vdb", "percent": 50, "error": ""},
        {"mountpoint": "/mnt/nfs", "device": "srv:/x", "percent": None, "error": "timed out"},
    ],
    "network": [
        {"device": "eth0", "rx_bytes_per_second": 100.0, "tx_bytes_per_second": 20.0, "up": True, "hidden": False},
        {"device": "eth0.100", "rx_bytes_per_second": 1.0, "tx_bytes_per_second": None, "hidden": False},
        {"device": "veth12ab", "rx_bytes_per_second": 5.0, "tx_bytes_per_second": 5.0, "hidden": True},
    ],
    "disks": [{"device": "vda", "read_bytes_per_second": 0.0, "write_bytes_per_second": 4096.0}],
}


def test_series_from_data_flattens_the_main_series() -> None:
    assert series_from_data(DATA) == {
        "cpu.percent": 12.5,
        "load.load1": 0.5,
        "memory.percent": 41.2,
        "swap.percent": 0.0,
        "fs./.percent": 12.0,
        "fs./home.percent": 50.0,
        "net.eth0.rx_bytes_per_second": 100.0,
        "net.eth0.tx_bytes_per_second": 20.0,
        "net.eth0.100.rx_bytes_per_second": 1.0,
        "disk.vda.read_bytes_per_second": 0.0,
        "disk.vda.write_bytes_per_second": 4096.0,
    }


def test_series_from_data_survives_failed_sections_and_odd_values() -> None:
    data = {"timestamp": 1.0, "cpu": None, "load": {"load1": float("nan")}, "memory": {"percent": True},
            "swap": "broken", "filesystems": None, "network": [None, {"device": ""}], "disks": {"x": 1}}
    assert series_from_data(data) == {}
    assert series_from_data({}) == {}


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
    rec = HistoryRecorder(store, 10.0)
    recorded = [t for t in range(0, 60) if rec.offer({**DATA, "timestamp": HOUR0 + t})]  # one view per second
    assert recorded == [0, 10, 20, 30, 40, 50]
    assert rec.skipped == 54
    store.flush()
    assert store.samples_written == 6
    store.close()


def test_recorder_tolerates_jitter_and_clock_steps(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    rec = HistoryRecorder(store, 10.0)
    ticks = [0.0, 10.02, 19.98, 30.1, 39.9]  # a ticker at the interval, with jitter: nothing skipped
    assert all(rec.offer({**DATA, "timestamp": HOUR0 + t}) for t in ticks)
    assert not rec.offer({**DATA, "timestamp": HOUR0 + 35})  # out of order, within one interval
    assert rec.offer({**DATA, "timestamp": HOUR0 - 3600})  # the clock was stepped back: restart pacing
    assert not rec.offer({"timestamp": None}) and not rec.offer({"cpu": {}})
    assert rec.wants(HOUR0 - 3600 + 10) and not rec.wants(HOUR0 - 3600 + 5)
    store.close()


def test_recorder_never_blocks_on_a_stuck_writer(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock, queue_size=3)  # writer not started: the queue fills
    rec = HistoryRecorder(store, 10.0)
    for i in range(10):
        assert rec.offer({**DATA, "timestamp": HOUR0 + 10 * i})
    assert store.dropped_samples == 7
    store.close()


class _Families:
    def __init__(self, store: Any) -> None:
        self.store = store

    def collect(self):  # type: ignore[no-untyped-def]
        return history_families(self.store)


def test_history_families_expose_status_with_help(tmp_path: Path) -> None:
    clock = FakeClock(HOUR0)
    store = make_store(tmp_path, clock)
    store.write_batch([(HOUR0, {"x": 1.0})])
    registry = CollectorRegistry()
    registry.register(_Families(store))  # type: ignore[arg-type]
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
