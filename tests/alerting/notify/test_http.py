"""The real POST against a receiver in this process on 127.0.0.1: auth, TLS, errors, and the notifier's
thread delivering to a webhook that comes up late."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from exporter.alerting.engine import AlertEngine
from exporter.alerting.notify import build_notifier
from exporter.alerting.notify.http import Poster, SendError
from exporter.config import BasicAuth, NotifyTarget
from tests.support.notify import notify_config, reading
from tests.support.security import make_cert
from tests.support.servers import free_port, wait_until
from tests.support.stack import Webhook

pytestmark = pytest.mark.integration


@pytest.fixture
def hook() -> Iterator[Webhook]:
    h = Webhook().start()
    yield h
    h.stop()


def test_basic_auth_and_bearer_token_are_read_from_their_files(hook: Webhook, tmp_path: Path) -> None:
    pw, token = tmp_path / "pw", tmp_path / "token"
    pw.write_text("s3cret\n")
    token.write_text("tok-1\n")
    Poster(NotifyTarget(hook.url, basic_auth=BasicAuth("sysmon", str(pw))), 5).post({"a": 1})
    bearer = Poster(NotifyTarget(hook.url, bearer_token_file=str(token)), 5)
    bearer.post({"b": 2})
    token.write_text("tok-2\n")  # rotated: the next request uses it, no restart
    bearer.post({"c": 3})
    auth = [h["Authorization"] for h in hook.headers]
    assert auth == ["Basic " + base64.b64encode(b"sysmon:s3cret").decode(), "Bearer tok-1", "Bearer tok-2"]
    assert hook.notifications == [{"a": 1}, {"b": 2}, {"c": 3}]
    assert hook.headers[0]["Content-Type"] == "application/json"


def test_https_with_the_configured_ca(tmp_path: Path) -> None:
    cert, key = make_cert(tmp_path)
    h = Webhook(tls=(cert, key)).start()
    try:
        Poster(NotifyTarget(h.url, tls_ca_file=str(cert)), 5).post({"ok": True})
        assert h.notifications == [{"ok": True}]
        with pytest.raises(SendError, match="CERTIFICATE_VERIFY_FAILED"):
            Poster(NotifyTarget(h.url), 5).post({"ok": False})  # the system CAs do not know it
    finally:
        h.stop()


def test_errors_say_whether_a_retry_can_help(hook: Webhook) -> None:
    poster = Poster(NotifyTarget(hook.url), 5)
    for status, retry in ((500, True), (503, True), (429, True), (400, False), (404, False)):
        hook.status = status
        with pytest.raises(SendError) as e:
            poster.post({})
        assert e.value.retry is retry and f"HTTP {status}" in str(e.value)
    with pytest.raises(SendError) as e:
        Poster(NotifyTarget(f"http://127.0.0.1:{free_port()}/x"), 5).post({})
    assert e.value.retry and "refused" in str(e.value).lower()


def test_the_thread_delivers_to_a_webhook_that_comes_up_late(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/alerts"
    cfg = notify_config(tmp_path, webhooks=(url,))
    engine = AlertEngine(cfg.alerts)
    notifier = build_notifier(cfg, engine)
    assert notifier is not None
    notifier.start()
    late = None
    try:
        r = reading(1, 1.9e9, memory=0.6)
        engine.on_reading(r)
        notifier.on_reading(r)
        receiver = notifier.webhooks[0]
        wait_until(lambda: receiver.failed >= 1, 10, what="a failed delivery")
        late = Webhook(port=port).start()
        got = wait_until(late.alerts, 15, what="the alert, once the webhook is up")
        assert [a["labels"]["alertname"] for a in got] == ["HostMemoryHigh"]
        assert receiver.sent == 1 and not receiver.failing
    finally:
        notifier.close()
        if late is not None:
            late.stop()
