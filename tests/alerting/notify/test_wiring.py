"""The notifier in the composition root: subscribed after the engine, its metrics on /metrics."""

from __future__ import annotations

from pathlib import Path

from exporter.config import config_from_dict
from tests.support.snapshots import GiB, snapshot
from tests.support.wiring import ExpositionRegistry, runtime_for

HOOK = "http://127.0.0.1:5001/alerts"


def test_no_receiver_no_notifier() -> None:
    rt = runtime_for(snapshot(1, 1000.0))
    assert rt.notifier is None


def test_readings_reach_the_notifier_after_the_engine(tmp_path: Path) -> None:
    cfg = config_from_dict({
        "dirsize": {"enabled": False}, "history": {"enabled": False}, "data_dir": str(tmp_path),
        "alerts": {"memory": {"warning": 0.5, "critical": 0.9, "for": "0s"}, "notify": {"webhooks": [{"url": HOOK}]}},
    })
    rt = runtime_for(snapshot(1, 1000.0, mem_total=10 * GiB, mem_available=2 * GiB), config=cfg)
    assert rt.notifier is not None
    rt.sampler.latest()
    (tracked,) = rt.notifier.tracked()  # the engine fired first, within the same Reading
    assert tracked.alert.state == "firing" and tracked.labels["alertname"] == "HostMemoryHigh"
    reg = ExpositionRegistry(rt)
    assert reg.get_sample_value("sysmon_notifications_sent_total", {"receiver": HOOK}) == 0
    assert reg.get_sample_value("sysmon_notifications_failed_total", {"receiver": HOOK}) == 0
    assert reg.get_sample_value("sysmon_notifications_alerts", {"state": "firing"}) == 1
    assert reg.get_sample_value("sysmon_notifications_dropped_total") == 0
    assert reg.get_sample_value("sysmon_notifications_queue_length") == 0
    for family in reg.collect():
        if family.name.startswith("sysmon_notifications"):
            assert family.documentation, family.name


def test_stopping_the_runtime_keeps_the_state_for_the_next_start(tmp_path: Path) -> None:
    cfg = config_from_dict({
        "dirsize": {"enabled": False}, "history": {"enabled": False}, "data_dir": str(tmp_path),
        "alerts": {"memory": {"warning": 0.5, "critical": 0.9, "for": "0s"},
                   "notify": {"webhooks": [{"url": "http://127.0.0.1:9/never"}], "timeout": "1s"}},
    })
    high = snapshot(1, 1000.0, mem_total=10 * GiB, mem_available=2 * GiB)
    rt = runtime_for(high, config=cfg)
    rt.sampler.latest()
    rt.stop()  # the notifier's last round: the state is written
    assert (tmp_path / "alert-state.json").is_file()
    again = runtime_for(snapshot(1, 2000.0, mem_total=10 * GiB, mem_available=2 * GiB), config=cfg)
    assert [(a.resource, a.started_at) for a in again.alerts.firing()] == [("memory", 1000.0)]


def test_with_history_and_no_receiver_the_page_alerts_survive_a_restart(tmp_path: Path) -> None:
    from tests.support.history import FakeClock, make_store

    store = make_store(tmp_path, FakeClock(1000.0))
    cfg = config_from_dict({"dirsize": {"enabled": False}, "alerts": {"memory": {"warning": 0.5, "for": "0s"}}})
    high = snapshot(1, 1000.0, mem_total=10 * GiB, mem_available=2 * GiB)
    rt = runtime_for(high, config=cfg, history=store)
    assert rt.notifier is not None and rt.notifier.receivers() == []
    rt.sampler.latest()
    assert not any(f.name.startswith("sysmon_notifications") for f in ExpositionRegistry(rt).collect())
    rt.notifier.close()
    again = runtime_for(snapshot(1, 2000.0, mem_total=10 * GiB, mem_available=2 * GiB), config=cfg, history=store)
    assert [(a.resource, a.started_at) for a in again.alerts.firing()] == [("memory", 1000.0)]
    store.close()
