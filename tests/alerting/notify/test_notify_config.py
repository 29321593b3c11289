"""alerts.notify in the configuration: what check-config accepts, and the one-line errors it gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from exporter.cli import main
from exporter.config import ConfigError, config_from_dict


def notify(**section: object) -> dict[str, object]:
    return {"alerts": {"notify": section}}


def test_defaults_send_nothing() -> None:
    n = config_from_dict({}).alerts.notify
    assert n.alertmanagers == () and n.webhooks == () and n.resend_delay == 60 and n.repeat_interval == 4 * 3600


def test_a_full_section_loads(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    cfg = config_from_dict(notify(
        alertmanagers=[{"url": "https://am.example.net:9093", "basic_auth": {"username": "u",
                                                                            "password_file": str(secret)},
                        "tls_ca_file": str(secret)}],
        webhooks=[{"url": "http://127.0.0.1:5001/hook", "bearer_token_file": str(secret)}],
        labels={"monitor": "sysmon", "instance": "web-1:9877"}, resend_delay="30s",
    )).alerts.notify
    assert cfg.alertmanagers[0].basic_auth.username == "u" and cfg.webhooks[0].bearer_token_file == str(secret)
    assert cfg.labels == {"monitor": "sysmon", "instance": "web-1:9877"} and cfg.resend_delay == 30


@pytest.mark.parametrize(("section", "message"), [
    ({"alertmanagers": [{"url": "am:9093"}]}, "alerts.notify.alertmanagers[0].url: expected an http:// or https://"),
    ({"webhooks": [{}]}, "alerts.notify.webhooks[0].url: expected an http://"),
    ({"webhooks": [{"url": "http://u:p@h/x"}]}, "alerts.notify.webhooks[0].url: put credentials in basic_auth"),
    ({"webhooks": [{"url": "http://h", "basic_auth": {"username": "u"}}]},
     "alerts.notify.webhooks[0].basic_auth: username and password_file go together"),
    ({"webhooks": [{"url": "http://h", "bearer_token_file": "/nonexistent/token"}]},
     "alerts.notify.webhooks[0].bearer_token_file: cannot read /nonexistent/token"),
    ({"webhooks": [{"url": "http://h", "tls_ca_file": "/etc/hostname"}]},
     "alerts.notify.webhooks[0].tls_ca_file: only used with an https:// URL"),
    ({"webhooks": [{"url": "http://h", "token": "x"}]}, "alerts.notify.webhooks[0].token: unknown setting"),
    ({"labels": {"bad-name": "x"}}, "alerts.notify.labels.bad-name: not a valid Prometheus label name"),
    ({"labels": {"severity": "x"}}, "alerts.notify.labels.severity: set by the alert itself"),
    ({"resend_delay": "0s"}, "alerts.notify.resend_delay: must be at least 1s"),
    ({"repeat_interval": "10s"}, "alerts.notify.repeat_interval: must not be shorter than resend_delay"),
    ({"external_url": "host:9877"}, "alerts.notify.external_url: expected an http:// or https:// URL"),
    ({"alertmanagers": {"url": "http://h"}}, "alerts.notify.alertmanagers: expected a list"),
])
def test_mistakes_name_the_key(section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as e:
        config_from_dict(notify(**section))
    assert str(e.value).startswith(message), str(e.value)


def test_both_kinds_of_auth_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    with pytest.raises(ConfigError, match=r"webhooks\[0\]: basic_auth and bearer_token_file are mutually exclusive"):
        config_from_dict(notify(webhooks=[{"url": "http://h", "bearer_token_file": str(f),
                                           "basic_auth": {"username": "u", "password_file": str(f)}}]))


def test_check_config_prints_one_line_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "c.yml"
    bad.write_text(yaml.safe_dump(notify(webhooks=[{"url": "ftp://h"}])))
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "alerts.notify.webhooks[0].url" in err and "Traceback" not in err
