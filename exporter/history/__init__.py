"""History: a SQLite record of the main series, so the embedded mode can answer "what happened last night?".

Modules: `series` (what is recorded from a Reading, units), `store` (the facade:
open/start/close/submit/flush/query/list_series and the status), behind it
`database` (file, schema, corruption, --reset-history), `writer` (bounded queue
and writer thread), `rollup` (downsampling and retention as functions of a
connection) and `query` (resolution choice, range queries); `recorder` (a Sampler
subscriber that paces Readings into the store), `families` (sysmon_history_*
self-metrics). The HTTP side is `exporter.web.history_routes`.

Wiring (exporter.runtime.build_runtime)::

    store = open_history(config, reset=reset_history)   # None when history.enabled is false
    sampler.subscribe(HistoryRecorder(store, interval, hidden).on_reading)   # non-blocking
    # /metrics: a source yielding history_families(store)
    # shutdown: store.close()

Storage and retention (defaults; see HistoryConfig):

    resolution  kept     one row per series per   columns
    raw         1 day    sample (10 s)            value
    1m          30 days  minute                   avg, min, max, n
    1h          365 days hour                     avg, min, max, n

HTTP API (exporter.web.history_routes), for the page's range selector:

``GET /history/series`` →
``{"series": [{"name": "cpu.percent", "unit": "percent", "description": "...",
"first": 1700000000, "last": 1700086400}, ...]}`` — every recorded series plus
the fixed ones (``cpu.percent``, ``load.load1``, ``memory.percent``,
``swap.percent``), first/last are Unix seconds or null when nothing is stored.

``GET /history?series=cpu.percent,memory.percent&from=-24h&to=now&points=300`` →
``{"resolution": "1m", "from": 1699913600.0, "to": 1700000000.0, "step": 300,
"series": {"cpu.percent": {"unit": "percent", "t": [...], "avg": [...],
"min": [...], "max": [...]}, ...}}``

- ``series``: repeated and/or comma-separated, 1 to 20 names from /history/series.
- ``from``/``to``: Unix seconds, ``now``, or relative to now: ``-90s``, ``-15m``,
  ``-1h``, ``-24h``, ``-7d``, ``-30d``, ``-1w``. Defaults: from=-1h, to=now.
- ``points``: 1..2000, default 300: the most points returned per series.
- ``resolution``: the table read: ``raw`` if the range lies within raw retention
  and the chart's bucket width is under a minute, else ``1m`` if it lies within
  minute retention and the bucket width is under an hour, else ``1h``.
- ``step``: bucket width in seconds (a multiple of the resolution's step).
  ``t[i]`` is a bucket start, in Unix seconds; ``avg`` is the sample-weighted
  mean, ``min``/``max`` the extremes of the samples in the bucket. The first
  bucket may start up to one step before ``from``.
- Empty buckets are omitted: each series has its own ``t``, and a gap longer
  than ``step`` means nothing was recorded (exporter down). To draw series
  together (uPlot wants one x array), merge the ``t`` arrays and fill ``null``.
- Errors are JSON ``{"error": "..."}``: 400 for a bad parameter (unknown
  parameter or series, non-numeric value, from > to, points out of range, more
  than 20 series), 404 when history is disabled, 503 when the database cannot be
  read (the store reports why; live data is unaffected).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exporter.config import Config
from exporter.history.errors import HistoryError, HistoryUnavailable
from exporter.history.families import history_families
from exporter.history.recorder import HistoryRecorder
from exporter.history.series import FIXED_SERIES, describe, series_from

if TYPE_CHECKING:
    from exporter.history.store import DB_FILENAME, HistoryStore, QueryResult, database_path, reset_history

_FROM_STORE = {"DB_FILENAME", "HistoryStore", "QueryResult", "database_path", "reset_history"}


def __getattr__(name: str) -> Any:
    """The store's names, imported on first use: it loads sqlite3 (1.5 MB), which an
    exporter running with history off never needs."""
    if name in _FROM_STORE:
        from exporter.history import store

        return getattr(store, name)
    raise AttributeError(name)

__all__ = [
    "DB_FILENAME",
    "FIXED_SERIES",
    "HistoryError",
    "HistoryRecorder",
    "HistoryStore",
    "HistoryUnavailable",
    "QueryResult",
    "database_path",
    "describe",
    "history_families",
    "open_history",
    "reset_history",
    "series_from",
]


def open_history(config: Config, *, reset: bool = False) -> HistoryStore | None:
    """The started store for `config`, or None when history is disabled.

    `reset` first moves an existing database aside (``--reset-history``). Raises
    `HistoryError` (print it, exit 2) when the file is corrupt or unreadable. A
    data directory that cannot be created or written does not raise: the store
    runs degraded, logs once and shows it in sysmon_history_up.
    """
    if not config.history.enabled:
        return None
    from exporter.history.store import HistoryStore, database_path, reset_history

    path = database_path(config.data_path())
    if reset:
        reset_history(path)
    store = HistoryStore(path, config.history)
    store.open()
    store.start()
    return store
