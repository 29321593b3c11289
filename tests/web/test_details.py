"""The /data detail sections (exporter/web/details.py) from hand-built Readings, exact values."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from exporter.config import config_from_dict
from exporter.exposition.families import CounterFamily
from exporter.host.collectors import NAMES
from exporter.host.registry import HostReader
from exporter.sampling.reading import make_reading
from exporter.sampling.snapshot import CpuTimes, Disk, NetInterface
from exporter.web.details import cpu_modes, disk_details, network_errors, pressure
from tests.support.snapshots import snapshot


def psi(cpu_some: float, io_full: float) -> tuple[tuple[str, tuple[CounterFamily, ...]], ...]:
    """Snapshot.families as the pressure collector fills them."""
    return (("pressure", (CounterFamily("node_pressure_cpu_waiting_seconds", "h", cpu_some),
                          CounterFamily("node_pressure_io_stalled_seconds", "h", io_full))),)


def pair():
    a = snapshot(1, t=1000, cpus=(CpuTimes("0", 10, 0, 5, 80, 5, 0, 0, 0),),
                 disks=(Disk("sda", 100, 0, 0, 1.0, 50, 0, 0, 2.0, 0, 10.0, 0),),
                 network=(NetInterface("eth0", 0, 0, 3, 1, 0, 0, 2, 0, True),), families=psi(10.0, 1.0))
    b = snapshot(2, t=1002, cpus=(CpuTimes("0", 30, 0, 15, 130, 25, 0, 0, 0),),
                 disks=(Disk("sda", 300, 0, 0, 1.5, 50, 0, 0, 2.0, 1, 11.5, 0),),
                 network=(NetInterface("eth0", 0, 0, 7, 1, 0, 0, 4, 5, True),), families=psi(10.5, 1.2))
    return make_reading(None, a), make_reading(a, b)


def test_cpu_by_mode_is_a_share_of_all_cpu_time() -> None:
    first, second = pair()
    assert cpu_modes(first) is None  # no previous snapshot yet
    # Over the interval: user 20, system 10, idle 50, iowait 20 of 100 seconds.
    assert cpu_modes(second) == {"user": 20.0, "nice": 0.0, "system": 10.0, "iowait": 20.0, "irq": 0.0,
                                 "softirq": 0.0, "steal": 0.0}


def test_disk_iops_utilisation_and_await() -> None:
    _, second = pair()
    # 200 reads in 2 s that took 0.5 s together; no write; busy 1.5 s of 2.
    assert disk_details(second) == {"sda": {"reads_per_second": 100.0, "writes_per_second": 0.0,
                                            "util_percent": 75.0, "read_await_seconds": 0.0025,
                                            "write_await_seconds": None}}


def test_interface_errors_and_drops() -> None:
    _, second = pair()
    assert network_errors(second) == {"eth0": {"errors_per_second": 3.0, "drops_per_second": 2.5}}


def test_pressure_is_the_stalled_share_of_the_interval() -> None:
    first, second = pair()
    assert pressure(first) is None
    assert pressure(second) == {"cpu": {"some": 25.0}, "io": {"full": 10.0}}
    assert pressure(make_reading(snapshot(1), snapshot(2, t=1002))) is None  # a kernel without PSI


def test_pressure_from_the_real_collector(tmp_path: Path) -> None:
    """The registry's Snapshot, not a hand-built one: the shape details.py reads is the one it gets."""
    line = "some avg10=0.00 avg60=0.00 avg300=0.00 total={}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
    cpu = tmp_path / "proc" / "pressure" / "cpu"
    cpu.parent.mkdir(parents=True)
    names = [n for n in NAMES if n != "pressure"]
    reader = HostReader(config_from_dict({"root_prefix": str(tmp_path), "disabled_collectors": names}))
    cpu.write_text(line.format(10_000_000))
    a = replace(reader.read(), monotonic=1000.0)  # 2 s apart, whatever the wall clock did
    cpu.write_text(line.format(10_500_000))
    b = replace(reader.read(), monotonic=1002.0)
    reader.close()
    assert pressure(make_reading(a, b)) == {"cpu": {"some": 25.0}}


def test_temperatures_hottest_first_with_names_and_levels() -> None:
    from exporter.exposition.families import GaugeFamily
    from exporter.web.details import temperatures

    def gauge(name: str, labels: list[str], rows: list[tuple[list[str], float]]) -> GaugeFamily:
        fam = GaugeFamily(name, "h", labels=labels)
        for values, value in rows:
            fam.add_metric(values, value)
        return fam

    fams = (gauge("node_hwmon_temp_celsius", ["chip", "sensor"], [(["platform_coretemp_0", "temp1"], 54.0),
                                                                   (["acpi", "temp1"], 61.25)]),
            gauge("node_hwmon_temp_crit_celsius", ["chip", "sensor"], [(["platform_coretemp_0", "temp1"], 100.0)]),
            gauge("node_hwmon_temp_max_celsius", ["chip", "sensor"], [(["platform_coretemp_0", "temp1"], 80.0)]),
            gauge("node_hwmon_chip_names", ["chip", "chip_name"], [(["platform_coretemp_0", "coretemp"], 1.0)]),
            gauge("node_hwmon_sensor_label", ["chip", "sensor", "label"],
                  [(["platform_coretemp_0", "temp1", "Package id 0"], 1.0)]))
    reading = make_reading(None, snapshot(1, families=(("hwmon", fams),)))
    assert temperatures(reading) == [
        {"chip": "acpi", "sensor": "temp1", "celsius": 61.2, "high_celsius": None, "critical_celsius": None},
        {"chip": "coretemp", "sensor": "Package id 0", "celsius": 54.0, "high_celsius": 80.0,
         "critical_celsius": 100.0},
    ]
    assert temperatures(make_reading(None, snapshot(1))) is None


def test_pressure_is_at_most_the_whole_interval() -> None:
    """The kernel's stall clock and our interval tick apart: 2.2 s stalled in a 2 s interval is 100 %."""
    a = snapshot(1, t=1000, families=psi(10.0, 0.0))
    b = snapshot(2, t=1002, families=psi(12.2, 0.0))
    assert pressure(make_reading(a, b)) == {"cpu": {"some": 100.0}, "io": {"full": 0.0}}
