"""The notifier's rules, on injected time and a recording transport: what goes to Alertmanager and to
webhooks, when, and what a restart keeps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from exporter.alerting.engine import AlertEngine
from exporter.alerting.notify.http import SendError
from exporter.alerting.notify.labels import Labeller
from exporter.alerting.notify.notifier import PENDING_SAVE_DELAY, RESOLVED_RETENTION, Notifier
from exporter.alerting.notify.receivers import BACKOFF_INITIAL, BACKOFF_MAX
from exporter.alerting.notify.state import FileState
from tests.support.history import HOUR0
from tests.support.notify import Pipeline, Transport, notify_config, reading

AM = "http://127.0.0.1:9093"  # as configured: the base URL, like Prometheus' alertmanagers
API = AM + "/api/v2/alerts"  # where the alerts go
HOOK = "http://127.0.0.1:5001/alerts"
T = HOUR0


def ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def memory_alerts(alerts: list[dict]) -> list[dict]:
    return [a for a in alerts if a["labels"]["alertname"] == "HostMemoryHigh"]


def test_a_firing_alert_goes_to_alertmanager_as_prometheus_sends_it(tmp_path: Path) -> None:
    tr = Transport()
    p = Pipeline(notify_config(tmp_path, alertmanagers=(AM,)), tr)
    p.feed(1, T, memory=0.6)
    (alert,) = tr.alerts(API)
    assert alert["labels"] == {"alertname": "HostMemoryHigh", "severity": "warning", "instance": "host-a:9877",
                               "job": "sysmon", "monitor": "test"}
    assert alert["annotations"]["summary"] == "Memory used 60% on host-a:9877"
    assert "at or above the warning threshold of 50% for 0s" in alert["annotations"]["description"]
    assert ts(alert["startsAt"]) == T and ts(alert["endsAt"]) == T + 4 * 60
    assert alert["generatorURL"] == "http://host-a:9877/#alerts"


def test_pending_alerts_are_not_sent(tmp_path: Path) -> None:
    tr = Transport()
    p = Pipeline(notify_config(tmp_path, alertmanagers=(AM,), alerts={"memory": {"for": "5m"}}), tr)
    p.feed(1, T, memory=0.6)
    p.feed(2, T + 299, memory=0.6)
    assert tr.alerts(API) == []
    p.feed(3, T + 300, memory=0.6)
    (alert,) = tr.alerts(API)
    assert ts(alert["startsAt"]) == T + 300  # when it began firing, as Prometheus' FiredAt


def test_firing_alerts_are_re_sent_every_resend_delay(tmp_path: Path) -> None:
    tr = Transport()
    p = Pipeline(notify_config(tmp_path, alertmanagers=(AM,)), tr)
    for i, t in enumerate((0, 10, 59, 60, 70, 120), 1):
        p.feed(i, T + t, memory=0.6)
    sent = tr.alerts(API)
    assert [ts(a["endsAt"]) - 240 - T for a in sent] == [0, 60, 120]
    assert {a["startsAt"] for a in sent} == {sent[0]["startsAt"]}


def test_a_resolve_is_sent_at_once_and_repeated_for_15_minutes(tmp_path: Path) -> None:
    tr = Transport()
    p = Pipeline(notify_config(tmp_path, alertmanagers=(AM,)), tr)
    p.feed(1, T, memory=0.6)
    p.feed(2, T + 10, memory=0.1)
    resolved = tr.alerts(API)[-1]
    assert ts(resolved["endsAt"]) == T + 10
    t, seq = T + 10, 3
    while t < T + 10 + RESOLVED_RETENTION + 120:
        t += 10
        p.feed(seq, t, memory=0.1)
        seq += 1
    resends = [a for a in tr.alerts(API)[2:] if ts(a["endsAt"]) == T + 10]
    assert len(resends) == RESOLVED_RETENTION // 60 - 1  # once a minute while within retention
    assert p.notifier.tracked() == []  # then forgotten


def test_critical_and_warning_both_go_out_for_alertmanager_to_inhibit(tmp_path: Path) -> None:
    tr = Transport()
    p = Pipeline(notify_config(tmp_path, alertmanagers=(AM,)), tr)
    p.feed(1, T, memory=0.95)
    assert sorted(a["labels"]["severity"] for a in memory_alerts(tr.alerts(API))) == ["critical", "warning"]


def test_a_filesystem_alert_carries_node_exporter_labels(tmp_path: Path) -> None:
    tr = Transport()
    p = Pipeline(notify_config(tmp_path, alertmanagers=(AM,), alerts={"filesystem": {"for": "0s"}}), tr)
    p.feed(1, T, memory=0.1, root_fs=0.9)
    (alert,) = [a for a in tr.alerts(API) if a["labels"]["alertname"] == "HostFilesystemAlmostFull"]
    assert alert["labels"] | {} == {"alertname": "HostFilesystemAlmostFull", "severity": "warning",
                                    "instance": "host-a:9877", "job": "sysmon", "monitor": "test",
                                    "mountpoint": "/", "device": "/dev/vda1", "fstype": "ext4"}
    assert alert["annotations"]["summary"] == "Filesystem / 90% full on host-a:9877"


def test_a_webhook_hears_once_then_every_repeat_interval_then_the_resolve(tmp_path: Path) -> None:
    tr = Transport()
    p = Pipeline(notify_config(tmp_path, webhooks=(HOOK,), repeat_interval="1h"), tr)
    p.feed(1, T, memory=0.6)
    p.feed(2, T + 10, memory=0.6)
    p.feed(3, T + 3599, memory=0.6)
    (message,) = tr.posts[HOOK]
    assert message["version"] == "4" and message["status"] == "firing" and message["receiver"] == HOOK
    assert message["groupLabels"] == {"alertname": "HostMemoryHigh", "instance": "host-a:9877"}
    assert message["commonLabels"]["severity"] == "warning" and message["externalURL"] == "http://host-a:9877/"
    assert message["alerts"][0]["status"] == "firing" and message["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"
    p.feed(4, T + 3600, memory=0.6)
    assert len(tr.posts[HOOK]) == 2
    p.feed(5, T + 3610, memory=0.1)
    p.feed(6, T + 3620, memory=0.1)
    last = tr.posts[HOOK][-1]
    assert len(tr.posts[HOOK]) == 3 and last["status"] == "resolved"
    assert ts(last["alerts"][0]["endsAt"]) == T + 3610


def test_a_webhook_that_is_down_gets_the_alert_when_it_is_back(tmp_path: Path) -> None:
    tr = Transport()
    tr.down.add(HOOK)
    p = Pipeline(notify_config(tmp_path, webhooks=(HOOK,)), tr)
    hook = p.notifier.webhooks[0]
    p.feed(1, T, memory=0.6)
    assert hook.failed == 1 and hook.next_try == T + BACKOFF_INITIAL
    delays = []
    now = T
    for _ in range(12):
        now = hook.next_try
        before = hook.next_try
        p.notifier.run_once(now)
        delays.append(hook.next_try - before)
    assert delays[:4] == [2, 4, 8, 16] and max(delays) == BACKOFF_MAX  # doubling, capped
    p.notifier.run_once(now + 1)  # within the back-off: not even tried
    assert hook.failed == 13
    tr.down.clear()
    p.notifier.run_once(hook.next_try)
    (message,) = tr.posts[HOOK]
    assert message["alerts"][0]["labels"]["alertname"] == "HostMemoryHigh" and hook.sent == 1
    p.notifier.run_once(hook.next_try + 10)
    assert len(tr.posts[HOOK]) == 1


def test_a_webhook_that_rejects_the_message_is_not_retried(tmp_path: Path) -> None:
    tr = Transport()
    tr.status[HOOK] = SendError("HTTP 400 Bad Request", retry=False)
    p = Pipeline(notify_config(tmp_path, webhooks=(HOOK,)), tr)
    p.feed(1, T, memory=0.6)
    p.feed(2, T + 3, memory=0.6)
    p.feed(3, T + 10, memory=0.6)
    assert p.notifier.webhooks[0].failed == 1


def test_failures_are_logged_once_per_outage(tmp_path: Path, caplog) -> None:
    tr = Transport()
    tr.down.add(API)
    p = Pipeline(notify_config(tmp_path, alertmanagers=(AM,)), tr)
    with caplog.at_level("DEBUG", logger="exporter.alerting.notify"):
        for i in range(5):
            p.feed(i + 1, T + 60 * i, memory=0.6)
        tr.down.clear()
        p.feed(6, T + 300, memory=0.6)
        tr.down.add(API)
        p.feed(7, T + 360, memory=0.6)
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 2 and AM in errors[0] and "connection refused" in errors[0]
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"notify: alertmanager {AM} works again"]
    am = p.notifier.alertmanagers[0]
    assert (am.sent, am.failed) == (1, 6)


def test_on_reading_queues_and_never_sends(tmp_path: Path) -> None:
    tr = Transport()
    cfg = notify_config(tmp_path, alertmanagers=(AM,))
    engine = AlertEngine(cfg.alerts)
    n = Notifier(engine, Labeller(cfg, "h:9877", "http://h:9877/"), cfg.alerts.notify,
                 FileState(tmp_path / "state.json"), transport=tr, queue_size=3)  # a small queue, to see it overflow
    for i in range(5):
        r = reading(i + 1, T + 60 * i, memory=0.6)
        engine.on_reading(r)
        n.on_reading(r)
    assert tr.posts == {} and n.queue_length() == 3 and n.dropped == 2
    n.run_once(T + 300)
    assert len(tr.posts[API]) == 3 and n.queue_length() == 0


# --- restarts ------------------------------------------------------------------------------


def restart(tmp_path: Path, tr: Transport, history: Path | None = None, **kw: Any) -> Pipeline:
    return Pipeline(notify_config(tmp_path, alertmanagers=(AM,), webhooks=(HOOK,), **kw), tr, history)


def test_a_restart_keeps_firing_alerts_with_their_start(tmp_path: Path) -> None:
    tr = Transport()
    p = restart(tmp_path, tr)
    p.feed(1, T, memory=0.6)
    p.notifier.close()
    assert (tmp_path / "data" / "alert-state.json").is_file()
    again = restart(tmp_path, tr)
    assert [(a.resource, a.state, a.started_at) for a in again.engine.firing()] == [("memory", "firing", T)]
    again.feed(1, T + 120, memory=0.6)
    assert len(tr.posts[HOOK]) == 1  # the webhook is not told again
    assert {a["startsAt"] for a in tr.alerts(API)} == {tr.alerts(API)[0]["startsAt"]}  # same alert for Alertmanager


def test_a_restart_resolves_what_cleared_meanwhile(tmp_path: Path) -> None:
    tr = Transport()
    p = restart(tmp_path, tr)
    p.feed(1, T, memory=0.6)
    p.notifier.close()
    again = restart(tmp_path, tr)
    again.feed(1, T + 600, memory=0.1)
    assert tr.posts[HOOK][-1]["status"] == "resolved"
    assert ts(tr.alerts(API)[-1]["endsAt"]) == T + 600


def test_a_restart_keeps_the_for_clock_of_a_pending_alert(tmp_path: Path) -> None:
    tr = Transport()
    p = restart(tmp_path, tr, alerts={"memory": {"for": "5m"}})
    p.feed(1, T, memory=0.6)
    p.notifier.close()
    again = restart(tmp_path, tr, alerts={"memory": {"for": "5m"}})
    again.feed(1, T + 300, memory=0.6)
    assert ts(memory_alerts(tr.alerts(API))[0]["startsAt"]) == T + 300  # fired on time, not 5 minutes late


def test_a_resolve_a_webhook_missed_survives_a_restart(tmp_path: Path) -> None:
    tr = Transport()
    p = restart(tmp_path, tr)
    p.feed(1, T, memory=0.6)
    tr.down.add(HOOK)
    p.feed(2, T + 10, memory=0.1)
    p.notifier.close()
    tr.down.clear()
    again = restart(tmp_path, tr)
    again.feed(1, T + 20, memory=0.1)
    assert [m["status"] for m in tr.posts[HOOK]] == ["firing", "resolved"]


def test_with_history_the_state_lives_in_the_history_database(tmp_path: Path) -> None:
    from tests.support.history import FakeClock, make_store, read

    store = make_store(tmp_path, FakeClock(T))
    tr = Transport()
    p = restart(tmp_path, tr, history=store.path)
    p.feed(1, T, memory=0.6)
    p.notifier.close()
    (body,) = read(store.path, "SELECT body FROM alert_state")
    assert '"HostMemoryHigh"' in body[0]
    again = restart(tmp_path, tr, history=store.path)
    assert [a.started_at for a in again.engine.firing()] == [T]
    assert not (tmp_path / "data" / "alert-state.json").exists()
    store.close()


def test_an_unreadable_state_file_starts_empty(tmp_path: Path, caplog) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "alert-state.json").write_text("{not json")
    tr = Transport()
    p = restart(tmp_path, tr)
    assert p.engine.active() == [] and "cannot read" in caplog.text
    p.feed(1, T, memory=0.6)
    p.notifier.close()
    assert restart(tmp_path, tr).engine.active()


def test_an_alert_that_fired_and_cleared_while_the_webhook_was_down_is_told_resolved(tmp_path: Path) -> None:
    tr = Transport()
    tr.down.add(HOOK)
    p = Pipeline(notify_config(tmp_path, webhooks=(HOOK,)), tr)
    p.feed(1, T, memory=0.6)
    p.feed(2, T + 10, memory=0.1)
    tr.down.clear()
    p.notifier.run_once(p.notifier.webhooks[0].next_try)
    (message,) = tr.posts[HOOK]
    assert message["status"] == "resolved" and ts(message["alerts"][0]["startsAt"]) == T
    assert ts(message["alerts"][0]["endsAt"]) == T + 10


def test_a_resolve_arriving_during_a_send_is_still_told(tmp_path: Path) -> None:
    """The alert resolves (Sampler thread) while its firing message is in flight (notifier thread)."""
    tr = Transport()
    p = Pipeline(notify_config(tmp_path, webhooks=(HOOK,)), tr)
    p.engine.on_reading(reading(1, T, memory=0.6))
    p.notifier.on_reading(reading(1, T, memory=0.6))

    def resolve() -> None:
        p.engine.on_reading(reading(2, T + 10, memory=0.1))
        p.notifier.on_reading(reading(2, T + 10, memory=0.1))

    tr.after_post = resolve
    p.notifier.run_once(T + 1)
    p.notifier.run_once(T + 11)
    assert [m["status"] for m in tr.posts[HOOK]] == ["firing", "resolved"]


def test_ends_at_covers_the_gap_between_readings_when_it_is_longer_than_the_resend_delay(tmp_path: Path) -> None:
    from exporter.alerting.notify import build_notifier

    cfg = notify_config(tmp_path, alertmanagers=(AM,), resend_delay="1s")
    tr = Transport()
    engine = AlertEngine(cfg.alerts)
    n = build_notifier(cfg, engine, transport=tr, clock=lambda: T, interval=10.0)
    assert n is not None
    r = reading(1, T, memory=0.6)
    engine.on_reading(r)
    n.on_reading(r)
    n.run_once(T)
    assert ts(tr.alerts(API)[0]["endsAt"]) == T + 40  # 4 × the 10 s ticker, as Prometheus' 4 × evaluation interval


def test_a_receiver_that_hangs_does_not_hold_up_the_readings(tmp_path: Path) -> None:
    """The thread is stuck in a POST; the Sampler's side still returns at once, every time."""
    import threading

    entered, release = threading.Event(), threading.Event()
    tr = Transport()

    def hang() -> None:
        entered.set()
        assert release.wait(30)

    tr.after_post = hang
    cfg = notify_config(tmp_path, alertmanagers=(AM,), resend_delay="1s")
    p = Pipeline(cfg, tr)
    p.notifier.start()
    try:
        r = reading(1, T, memory=0.6)
        p.engine.on_reading(r)
        p.notifier.on_reading(r)
        assert entered.wait(10)
        for i in range(2, 300):  # five minutes of Readings while the POST hangs
            r = reading(i, T + i, memory=0.6)
            p.engine.on_reading(r)
            p.notifier.on_reading(r)
        assert not release.is_set() and p.notifier.queue_length() == 100 and p.notifier.dropped > 0
    finally:
        release.set()
        p.notifier.close()


def test_without_webhooks_the_thread_sleeps_until_a_reading_brings_work(tmp_path: Path) -> None:
    """No timed work (webhook retries and repeats are the only kind): the thread waits untimed
    and is woken by the Reading that changed the state, which it then saves at once."""
    from tests.support.history import FakeClock, make_store, read
    from tests.support.servers import wait_until

    store = make_store(tmp_path, FakeClock(T))
    p = Pipeline(notify_config(tmp_path), Transport(), store.path)  # no receiver: it keeps the state
    assert p.notifier._wait_time() is None  # nothing to do until woken
    p.notifier.start()
    try:
        r = reading(1, T, memory=0.6)
        p.engine.on_reading(r)
        p.notifier.on_reading(r)
        wait_until(lambda: read(store.path, "SELECT count(*) FROM alert_state")[0][0] == 1, 5,
                   what="the state saved by the woken thread")
        with_hook = Pipeline(notify_config(tmp_path / "b", webhooks=(HOOK,)), Transport())
        assert with_hook.notifier._wait_time() == 1.0  # webhooks: retries and repeats need the clock
    finally:
        p.notifier.close()
        store.close()


def test_a_flapping_pending_alert_is_written_within_the_delay_not_at_every_reading(tmp_path: Path) -> None:
    """Pending-only changes (an alert turning pending, or clearing before it fires) are kept at
    most PENDING_SAVE_DELAY late, so a rate flapping around its threshold does not rewrite the
    state at every Reading; a restart after that keeps the pending alert's `for` clock."""
    tr = Transport()
    p = restart(tmp_path, tr, alerts={"memory": {"for": "5m"}})
    state = tmp_path / "data" / "alert-state.json"
    for i in range(20):  # pending, cleared, pending, ... one Reading a second
        p.feed(1 + i, T + i, memory=0.6 if i % 2 == 0 else 0.1)
    assert not state.exists()
    p.feed(21, T + PENDING_SAVE_DELAY, memory=0.6)
    written = state.stat().st_ino  # the file is replaced at each write
    for i in range(1, 10):
        p.feed(21 + i, T + PENDING_SAVE_DELAY + i, memory=0.6 if i % 2 == 0 else 0.1)
    assert state.stat().st_ino == written
    p.feed(31, T + PENDING_SAVE_DELAY + 10, memory=0.6)  # pending since the last line, unwritten yet
    p.feed(32, T + 2 * PENDING_SAVE_DELAY + 1, memory=0.6)
    assert state.stat().st_ino != written
    again = restart(tmp_path, tr, alerts={"memory": {"for": "5m"}})  # no close(): as after a crash
    again.feed(1, T + PENDING_SAVE_DELAY + 10 + 300, memory=0.6)
    assert ts(memory_alerts(tr.alerts(API))[0]["startsAt"]) == T + PENDING_SAVE_DELAY + 10 + 300


def test_a_firing_alert_is_written_at_once(tmp_path: Path) -> None:
    tr = Transport()
    p = restart(tmp_path, tr)
    p.feed(1, T, memory=0.6)
    assert '"firing"' in (tmp_path / "data" / "alert-state.json").read_text()  # no close() needed
    p.feed(2, T + 1, memory=0.1)
    assert '"resolved"' in (tmp_path / "data" / "alert-state.json").read_text()
