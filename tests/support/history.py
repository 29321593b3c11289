"""Shared helpers for the history tests: an injectable clock and a store factory."""

from __future__ import annotations

from pathlib import Path

from exporter.config import Duration, HistoryConfig
from exporter.history.store import HistoryStore

T0 = 1_700_000_000.0
HOUR0 = T0 // 3600 * 3600  # whole hours make bucket arithmetic in the tests readable


class FakeClock:
    def __init__(self, now: float = HOUR0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def config(raw: float = 86400.0, minute: float = 30 * 86400.0, hour: float = 365 * 86400.0,
           interval: float = 10.0) -> HistoryConfig:
    return HistoryConfig(True, Duration(interval), Duration(raw), Duration(minute), Duration(hour))


def make_store(tmp_path: Path, clock: FakeClock, cfg: HistoryConfig | None = None, **kw: object) -> HistoryStore:
    store = HistoryStore(tmp_path / "history.sqlite3", cfg or config(), clock=clock, **kw)  # type: ignore[arg-type]
    store.open()
    return store


def simulate(store: HistoryStore, clock: FakeClock, seconds: float, step: float = 10.0,
             values: object = None) -> None:
    """Write one sample every `step` seconds for `seconds`, maintaining as the writer thread would."""
    end = clock.now + seconds
    while clock.now < end:
        vals = values(clock.now) if callable(values) else {"a": 1.0}
        assert store.write_batch([(clock.now, vals)])
        store.maybe_maintain()
        clock.advance(step)


def count(store: HistoryStore, table: str) -> int:
    assert store._wconn is not None
    return int(store._wconn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
