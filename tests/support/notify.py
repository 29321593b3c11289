"""Helpers of the notifier tests: a configuration that fires at once, Readings that drive it, and a
transport that records what would have been POSTed (or fails on demand)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from exporter.alerting.engine import AlertEngine
from exporter.alerting.notify import Notifier, build_notifier
from exporter.alerting.notify.http import SendError
from exporter.config import Config, NotifyTarget, config_from_dict
from exporter.sampling.reading import make_reading
from exporter.sampling.snapshot import Filesystem
from tests.support.snapshots import GiB, snapshot

#: Memory alerts at 50 % (warning) and 90 % (critical), firing after `for`; swap at 10 %/20 %.
THRESHOLDS = {"memory": {"warning": 0.5, "critical": 0.9, "for": "0s"},
              "swap": {"warning": 0.1, "critical": 0.2, "for": "0s"}}


def notify_config(tmp_path: Path, *, alertmanagers: tuple[str, ...] = (), webhooks: tuple[str, ...] = (),
                  alerts: dict[str, Any] | None = None, **notify: Any) -> Config:
    return config_from_dict({
        "data_dir": str(tmp_path / "data"),
        "web": {"listen": "127.0.0.1:9877"},
        "alerts": {**{k: {**v, **(alerts or {}).get(k, {})} for k, v in THRESHOLDS.items()},
                   **{k: v for k, v in (alerts or {}).items() if k not in THRESHOLDS}, "notify": {
            "alertmanagers": [{"url": u} for u in alertmanagers],
            "webhooks": [{"url": u} for u in webhooks],
            "labels": {"instance": "host-a:9877", "monitor": "test"},
            "external_url": "http://host-a:9877/",
            **notify,
        }},
    })


def reading(seq: int, t: float, memory: float, swap: float = 0.0, root_fs: float = 0.3) -> Any:
    """A Reading with memory and swap used at the given ratios (0..1), and / that full."""
    total = 10 * GiB
    fs = (Filesystem("/dev/vda1", "/", "ext4", size=100 * GiB, free=int(100 * GiB * (1 - root_fs)),
                     avail=int(100 * GiB * (1 - root_fs))),)
    cur = snapshot(seq, t, mem_total=total, mem_available=int(total * (1 - memory)),
                   swap_total=total, swap_free=int(total * (1 - swap)), filesystems=fs)
    return make_reading(None, cur)


class Transport:
    """Records every POST per URL; `down` URLs raise SendError like a refused connection."""

    def __init__(self) -> None:
        self.posts: dict[str, list[Any]] = {}
        self.down: set[str] = set()
        self.status: dict[str, SendError] = {}
        self.after_post: Callable[[], None] | None = None  # runs once, after the next POST (a send in flight)

    def __call__(self, target: NotifyTarget, timeout: float) -> Callable[[Any], None]:
        def post(body: Any) -> None:
            if target.url in self.down:
                raise SendError("connection refused")
            if target.url in self.status:
                raise self.status[target.url]
            self.posts.setdefault(target.url, []).append(body)
            then, self.after_post = self.after_post, None
            if then is not None:
                then()
        return post

    def alerts(self, url: str) -> list[dict[str, Any]]:
        """Every alert POSTed to `url`: API v2 lists, or the alerts of webhook messages."""
        out: list[dict[str, Any]] = []
        for body in self.posts.get(url, []):
            out.extend(body["alerts"] if isinstance(body, dict) else body)
        return out


class Pipeline:
    """Engine + notifier as the runtime wires them (synchronous: run_once instead of the thread)."""

    def __init__(self, config: Config, transport: Transport, history: Path | None = None) -> None:
        self.config = config
        self.engine = AlertEngine(config.alerts)
        self.now = 0.0
        built = build_notifier(config, self.engine, history, transport=transport, clock=lambda: self.now)
        assert built is not None
        self.notifier: Notifier = built

    def feed(self, seq: int, t: float, memory: float, swap: float = 0.0, root_fs: float = 0.3) -> None:
        self.now = t
        r = reading(seq, t, memory, swap, root_fs)
        self.engine.on_reading(r)
        self.notifier.on_reading(r)
        self.notifier.run_once(t)
