"""The dirsize:, history: and web: sections."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from exporter.config.values import DEFAULT_LISTEN, ConfigError, Duration, parse_listen


@dataclass(frozen=True)
class DirSizeConfig:
    """Background `du`-style scans of allowlisted roots."""

    enabled: bool = True
    # Empty: the running user's home, except when running as root (then none: a root
    # exporter must not show /root's largest files to whoever reaches the port).
    roots: tuple[str, ...] = ()
    refresh_interval: Duration = Duration(600.0)
    time_limit: Duration = Duration(300.0)
    top_n: int = 100
    metrics_top_n: int = 10
    # Forced rescans (POST): a path at most once per interval, a root a few at once then one per interval.
    rescan_min_interval: Duration = Duration(10.0)

    def _check(self, path: str) -> None:
        if not 1 <= self.top_n <= 100:
            raise ConfigError(f"{path}.top_n: must be between 1 and 100, got {self.top_n}")
        if not 0 <= self.metrics_top_n <= 100:
            raise ConfigError(f"{path}.metrics_top_n: must be between 0 and 100, got {self.metrics_top_n}")
        if self.time_limit <= 0:
            raise ConfigError(f"{path}.time_limit: must be positive")

    def resolved_roots(self) -> tuple[Path, ...]:
        roots = self.roots or (() if os.geteuid() == 0 else ("~",))
        return tuple(Path(os.path.expanduser(r)).resolve() for r in roots)


@dataclass(frozen=True)
class HistoryConfig:
    """SQLite history for the embedded mode (no Prometheus needed)."""

    enabled: bool = True
    sample_interval: Duration = Duration(10.0)
    raw_retention: Duration = Duration(86400.0)
    minute_retention: Duration = Duration(30 * 86400.0)
    hour_retention: Duration = Duration(365 * 86400.0)

    def _check(self, path: str) -> None:
        if self.sample_interval < 1:
            raise ConfigError(f"{path}.sample_interval: must be at least 1s")


_BCRYPT_RE = re.compile(r"^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$")


def _check_private_key(key_path: str, file: str) -> None:
    """Refuse a TLS private key that every local user can read, as sshd refuses host keys."""
    try:
        st = os.stat(os.path.expanduser(file))
    except OSError as e:
        raise ConfigError(f"{key_path}: cannot read {file}: {e.strerror or e}") from None
    if st.st_mode & 0o004:
        raise ConfigError(f"{key_path}: {file} is readable by every user (mode {st.st_mode & 0o777:o}); "
                          f"chmod o-rwx {file}")


@dataclass(frozen=True)
class WebConfig:
    """Listen address, TLS and basic auth (in the spirit of Prometheus' web config)."""

    listen: str = DEFAULT_LISTEN
    threads: int = 8
    tls_cert_file: str = ""
    tls_key_file: str = ""
    basic_auth_users: dict[str, str] = field(default_factory=dict)
    metrics_require_auth: bool = True
    # Host names requests may use (DNS rebinding); empty: loopback names when listening on loopback, else any.
    allowed_hosts: tuple[str, ...] = ()

    def _check(self, path: str) -> None:
        try:
            parse_listen(self.listen)
        except ValueError as e:
            raise ConfigError(f"{path}.listen: {e}") from None
        if bool(self.tls_cert_file) != bool(self.tls_key_file):
            raise ConfigError(f"{path}: tls_cert_file and tls_key_file go together")
        for user, h in self.basic_auth_users.items():
            if not _BCRYPT_RE.match(str(h)):
                raise ConfigError(f"{path}.basic_auth_users.{user}: expected a bcrypt hash "
                                  "($2b$, a cost from 04 to 31, then 53 characters of ./A-Za-z0-9)")
        if self.tls_key_file:
            _check_private_key(f"{path}.tls_key_file", self.tls_key_file)
        if not 1 <= self.threads <= 64:
            raise ConfigError(f"{path}.threads: must be between 1 and 64")
