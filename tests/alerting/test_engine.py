from __future__ import annotations

from exporter.alerting.engine import AlertEngine
from exporter.config import AlertsConfig, Duration, Threshold
from exporter.sampling.rates import Rates
from tests.support.snapshots import GiB, snapshot

CONFIG = AlertsConfig(memory=Threshold(0.80, 0.90, Duration(60)), hysteresis=0.05)


def feed(engine: AlertEngine, seq: int, t: float, used_ratio: float) -> None:
    total = 10 * GiB
    s = snapshot(seq, t, mem_total=total, mem_available=int(total * (1 - used_ratio)))
    engine.evaluate(s, Rates())


def memory_alerts(engine: AlertEngine) -> list[tuple[str, str]]:
    return [(a.severity, a.state) for a in engine.firing() if a.resource == "memory"]


def test_fires_only_after_for_duration() -> None:
    e = AlertEngine(CONFIG)
    feed(e, 1, 0, 0.85)
    assert memory_alerts(e) == []
    assert [a.severity for a in e.pending() if a.resource == "memory"] == ["warning"]
    feed(e, 2, 59, 0.85)
    assert memory_alerts(e) == []
    feed(e, 3, 60, 0.85)
    assert memory_alerts(e) == [("warning", "firing")]


def test_one_spike_does_not_fire() -> None:
    e = AlertEngine(CONFIG)
    feed(e, 1, 0, 0.99)
    feed(e, 2, 10, 0.10)
    feed(e, 3, 100, 0.10)
    assert memory_alerts(e) == [] and e.log() == []


def test_critical_hides_warning_and_log_records_peak_and_end() -> None:
    e = AlertEngine(CONFIG)
    for i, (t, v) in enumerate([(0, 0.95), (60, 0.97), (90, 0.93)], 1):
        feed(e, i, t, v)
    assert memory_alerts(e) == [("critical", "firing")]
    feed(e, 4, 120, 0.5)
    assert memory_alerts(e) == []
    log = [a for a in e.log() if a.resource == "memory"]
    assert {a.severity for a in log} == {"warning", "critical"}
    crit = next(a for a in log if a.severity == "critical")
    assert crit.started_at == 60 and crit.ended_at == 120 and crit.state == "resolved"
    assert abs(crit.peak - 0.97) < 1e-6


def test_hysteresis_keeps_a_hovering_alert_firing() -> None:
    e = AlertEngine(CONFIG)
    feed(e, 1, 0, 0.81)
    feed(e, 2, 60, 0.81)
    assert memory_alerts(e) == [("warning", "firing")]
    feed(e, 3, 70, 0.79)  # below 0.80 but above 0.80 × 0.95 = 0.76
    assert memory_alerts(e) == [("warning", "firing")]
    feed(e, 4, 80, 0.75)
    assert memory_alerts(e) == []


def test_filesystem_alerts_per_mountpoint_and_resolve_on_unmount() -> None:
    from exporter.sampling.snapshot import Filesystem

    full = Filesystem("/dev/sdb", "/data", "xfs", size=100, free=1, avail=1)
    cfg = AlertsConfig(filesystem=Threshold(0.8, 0.9, Duration(0)))
    e = AlertEngine(cfg)
    e.evaluate(snapshot(1, 0, filesystems=(full,)), Rates())
    assert [(a.instance, a.severity) for a in e.firing() if a.resource == "filesystem"] == [("/data", "critical")]
    e.evaluate(snapshot(2, 10, filesystems=()), Rates())
    assert [a for a in e.firing() if a.resource == "filesystem"] == []


def test_cpu_and_load_use_rates_and_core_count() -> None:
    cfg = AlertsConfig(cpu=Threshold(0.5, 0.9, Duration(0)), load_per_core=Threshold(1.0, 2.0, Duration(0)))
    e = AlertEngine(cfg)
    e.evaluate(snapshot(1, 0, load1=5.0), Rates(interval=1, cpu_percent=60.0))
    got = {(a.resource, a.severity) for a in e.firing()}
    assert ("cpu", "warning") in got and ("load_per_core", "critical") in got  # 5 / 2 cores = 2.5


def test_no_swap_means_no_swap_alert() -> None:
    e = AlertEngine(AlertsConfig(swap=Threshold(0.0, 0.0, Duration(0))))
    e.evaluate(snapshot(1, 0, swap_total=0, swap_free=0), Rates())
    assert not [a for a in e.firing() if a.resource == "swap"]
