"""Alert state that survives a restart: what is pending, firing or resolved-but-not-yet-told, and who has
been told what.

Kept in a small table of the history database when history is on (one file to back up), else in a
small JSON file. Each alert is one JSON record keyed by its fingerprint, written by the notifier's
thread (never the Sampler's) whenever something changed; a write is one transaction (SQLite) or a
write-then-rename (file), so a crash leaves the previous state, never half of one. A store that
cannot be read starts empty (logged): notifications then begin afresh, as after a first start.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from exporter.alerting.engine import Alert

log = logging.getLogger(__name__)


@dataclass
class Tracked:
    """One alert as the notifier follows it: the engine's view plus what has been sent where."""

    alert: Alert
    labels: dict[str, str]
    annotations: dict[str, str]
    am_sent_at: float | None = None  # last send to the Alertmanagers (resend cadence)
    hooks: dict[str, tuple[str, float]] = field(default_factory=dict)  # webhook URL → (state told, when)

    @property
    def fingerprint(self) -> str:
        """Identity of the alert, as Alertmanager sees it: its label set."""
        return json.dumps(self.labels, sort_keys=True, separators=(",", ":"))

    def to_json(self) -> dict[str, Any]:
        return {"alert": asdict(self.alert), "labels": self.labels, "annotations": self.annotations,
                "am_sent_at": self.am_sent_at, "hooks": {u: list(v) for u, v in self.hooks.items()}}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Tracked:
        return cls(Alert(**d["alert"]), dict(d["labels"]), dict(d["annotations"]), d.get("am_sent_at"),
                   {str(u): (str(v[0]), float(v[1])) for u, v in d.get("hooks", {}).items()})


class StateStore(Protocol):
    def load(self) -> list[Tracked]: ...
    def save(self, tracked: list[Tracked]) -> None: ...


def _parse(bodies: list[str], where: object) -> list[Tracked]:
    out = []
    for body in bodies:
        try:
            out.append(Tracked.from_json(json.loads(body)))
        except (ValueError, TypeError, KeyError) as e:
            log.warning("alert state in %s: skipping an unreadable record (%s)", where, e)
    return out


class SqliteState:
    """The ``alert_state`` table of the history database (its own connection, created on first use)."""

    TABLE = "CREATE TABLE IF NOT EXISTS alert_state (fingerprint TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID"

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        conn.execute(self.TABLE)
        return conn

    def load(self) -> list[Tracked]:
        if not self.path.exists():
            return []
        try:
            conn = self._connect()
            try:
                bodies = [r[0] for r in conn.execute("SELECT body FROM alert_state")]
            finally:
                conn.close()
        except sqlite3.Error as e:
            log.warning("alert state: cannot read %s (%s); starting without it", self.path, e)
            return []
        return _parse(bodies, self.path)

    def save(self, tracked: list[Tracked]) -> None:
        """Replace the stored state (raises sqlite3.Error/OSError; the notifier counts and retries)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM alert_state")
                conn.executemany("INSERT INTO alert_state VALUES (?, ?)",
                                 [(t.fingerprint, json.dumps(t.to_json())) for t in tracked])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()


class FileState:
    """A JSON file (a list of records), replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[Tracked]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as e:
            log.warning("alert state: cannot read %s (%s); starting without it", self.path, e)
            return []
        if not isinstance(data, list):
            log.warning("alert state: %s is not a list of alerts; starting without it", self.path)
            return []
        return _parse([json.dumps(d) for d in data], self.path)

    def save(self, tracked: list[Tracked]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump([t.to_json() for t in tracked], f)
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
