"""The alerts: section: thresholds shared by the page and the Prometheus rules, and notifications."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from exporter.config.values import ConfigError, Duration


@dataclass(frozen=True)
class Threshold:
    """Warning and critical levels of one resource, held for `for_` before firing."""

    warning: float
    critical: float
    for_: Duration = Duration(60.0)

    def _check(self, path: str) -> None:
        if self.warning > self.critical:
            raise ConfigError(f"{path}: warning ({self.warning}) must not exceed critical ({self.critical})")


_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass(frozen=True)
class BasicAuth:
    """HTTP basic auth of a notification receiver; the password is read from a file, like Prometheus."""

    username: str = ""
    password_file: str = ""


@dataclass(frozen=True)
class NotifyTarget:
    """One Alertmanager or webhook receiver: its URL, how to authenticate, which CA to trust."""

    url: str = ""
    basic_auth: BasicAuth = BasicAuth()
    bearer_token_file: str = ""
    tls_ca_file: str = ""

    def _check(self, path: str) -> None:
        if not re.match(r"^https?://[^/\s]+", self.url):
            raise ConfigError(f"{path}.url: expected an http:// or https:// URL, got {self.url!r}")
        if "@" in self.url.split("/")[2]:
            raise ConfigError(f"{path}.url: put credentials in basic_auth (password_file), not in the URL")
        auth = self.basic_auth
        if bool(auth.username) != bool(auth.password_file):
            raise ConfigError(f"{path}.basic_auth: username and password_file go together")
        if auth.username and self.bearer_token_file:
            raise ConfigError(f"{path}: basic_auth and bearer_token_file are mutually exclusive")
        for key, file in (("basic_auth.password_file", auth.password_file),
                          ("bearer_token_file", self.bearer_token_file), ("tls_ca_file", self.tls_ca_file)):
            if file and not os.access(os.path.expanduser(file), os.R_OK):
                raise ConfigError(f"{path}.{key}: cannot read {file}")
        if self.tls_ca_file and not self.url.startswith("https://"):
            raise ConfigError(f"{path}.tls_ca_file: only used with an https:// URL")


@dataclass(frozen=True)
class NotifyConfig:
    """Where the embedded mode sends its alerts (no Prometheus needed); nothing is sent by default."""

    alertmanagers: tuple[NotifyTarget, ...] = ()
    webhooks: tuple[NotifyTarget, ...] = ()
    # Added to every alert (like Prometheus' external_labels); may set job or instance.
    labels: dict[str, str] = field(default_factory=dict)
    # The page's address as people reach it (generatorURL); empty: http://<hostname>:<port>/
    external_url: str = ""
    # Alerts are re-sent to Alertmanager this often while active (Prometheus' --rules.alert.resend-delay).
    resend_delay: Duration = Duration(60.0)
    # A webhook hears again about an alert still firing after this long (Alertmanager's repeat_interval).
    repeat_interval: Duration = Duration(4 * 3600.0)
    timeout: Duration = Duration(10.0)
    # Where alert state is kept when history is off; empty: <data dir>/alert-state.json
    state_file: str = ""

    def _check(self, path: str) -> None:
        for name in self.labels:
            if not _LABEL_NAME.match(name) or name.startswith("__"):
                raise ConfigError(f"{path}.labels.{name}: not a valid Prometheus label name")
            if name in ("alertname", "severity"):
                raise ConfigError(f"{path}.labels.{name}: set by the alert itself")
        if self.external_url and not re.match(r"^https?://[^/\s]+", self.external_url):
            raise ConfigError(f"{path}.external_url: expected an http:// or https:// URL")
        if self.resend_delay < 1:
            raise ConfigError(f"{path}.resend_delay: must be at least 1s")
        if self.repeat_interval < self.resend_delay:
            raise ConfigError(f"{path}.repeat_interval: must not be shorter than resend_delay")
        if not 0 < self.timeout <= 300:
            raise ConfigError(f"{path}.timeout: must be between 0 and 5m")


@dataclass(frozen=True)
class AlertsConfig:
    """Thresholds shared by the page's alerts and the generated Prometheus rules.

    Ratios are 0..1 (0.9 = 90 %); load is per core.
    """

    cpu: Threshold = Threshold(0.85, 0.95, Duration(300.0))
    memory: Threshold = Threshold(0.85, 0.95, Duration(300.0))
    swap: Threshold = Threshold(0.50, 0.80, Duration(300.0))
    filesystem: Threshold = Threshold(0.85, 0.95, Duration(300.0))
    load_per_core: Threshold = Threshold(1.5, 3.0, Duration(600.0))
    hysteresis: float = 0.02
    log_size: int = 100
    notify: NotifyConfig = NotifyConfig()

    def _check(self, path: str) -> None:
        for name in ("cpu", "memory", "swap", "filesystem"):
            t: Threshold = getattr(self, name)
            for level in ("warning", "critical"):
                v = getattr(t, level)
                if not 0 <= v <= 1:
                    raise ConfigError(f"{path}.{name}.{level}: a ratio between 0 and 1 is expected, got {v}")
        if not 0 <= self.hysteresis < 1:
            raise ConfigError(f"{path}.hysteresis: a ratio between 0 and 1 is expected")
        if self.log_size < 1:
            raise ConfigError(f"{path}.log_size: must be at least 1")

    def items(self) -> list[tuple[str, Threshold]]:
        return [(n, getattr(self, n)) for n in ("cpu", "memory", "swap", "filesystem", "load_per_core")]
