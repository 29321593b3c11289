"""SIGHUP: re-read the configuration, as node_exporter re-reads its web config.

The new file is validated completely first; if it is not valid, the running
configuration stays and one line says why. Settings that can change under a running
server are applied at once (the web access settings: basic-auth users,
metrics_require_auth, allowed_hosts); for every other changed setting one line names
it and says that it takes a restart (the listen address, TLS files, threads, the
collectors, thresholds, scan roots, history).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from exporter.config import Config, ConfigError

if TYPE_CHECKING:
    from exporter.web.app import ExporterApp

log = logging.getLogger(__name__)

LIVE_WEB = frozenset({"basic_auth_users", "metrics_require_auth", "allowed_hosts"})


def changed_settings(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted names of the leaf settings that differ between two config dataclasses."""
    out: list[str] = []
    for f in dataclasses.fields(old):
        a, b = getattr(old, f.name), getattr(new, f.name)
        name = f"{prefix}{f.name.rstrip('_')}"
        if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b):
            out.extend(changed_settings(a, b, name + "."))
        elif a != b:
            out.append(name)
    return out


class Reloader:
    """Callable run on SIGHUP (in its own thread; one reload at a time)."""

    def __init__(self, load: Callable[[], Config], current: Config, app: ExporterApp) -> None:
        self._load = load
        self.current = current
        self._app = app
        self._lock = threading.Lock()

    def __call__(self) -> bool:
        with self._lock:
            try:
                new = self._load()
            except ConfigError as e:
                log.error("SIGHUP: configuration not reloaded, keeping the running one: %s", e)
                return False
            changed = changed_settings(self.current, new)
            if not changed:
                log.info("SIGHUP: configuration re-read, nothing changed")
                return True
            live = [c for c in changed if c.startswith("web.") and c[4:] in LIVE_WEB]
            later = [c for c in changed if c not in live]
            applied = self.current
            if live:
                web = dataclasses.replace(self.current.web, **{c[4:]: getattr(new.web, c[4:]) for c in live})
                self._app.guard.update(web)
                applied = dataclasses.replace(applied, web=web)
                log.info("SIGHUP: applied %s", ", ".join(live))
            if later:
                log.warning("SIGHUP: changed but only applied after a restart: %s", ", ".join(later))
            self.current = applied
            return True
