"""`python bench/instrumented_serve.py serve ...`: the exporter, with CPU time counted per activity.

For bench/steady_breakdown.py. Each listed function is wrapped to add the calling thread's
CPU time (time.thread_time) to its activity; gc passes are timed by a gc callback; the
threads alive at both ends of the window are read from /proc/self/task/TID/schedstat
(nanoseconds). SIGUSR2 starts the window (zeroes everything), SIGUSR1 writes the counts
as JSON to $STEADY_STATS. The wrappers cost about a microsecond per call: a few hundred
calls a second, well under the noise of the figures they explain.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import signal
import sys
import threading
import time
from collections import defaultdict
from typing import Any

_stats: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])
_gc = [0, 0.0, 0.0]  # passes, seconds, start of the running pass
_threads0: dict[str, int] = {}


def _wrap(owner: Any, attr: str, label: str) -> None:
    f = getattr(owner, attr)

    @functools.wraps(f)
    def timed(*a: Any, **k: Any) -> Any:
        t = time.thread_time()
        try:
            return f(*a, **k)
        finally:
            s = _stats[label]
            s[0] += 1
            s[1] += time.thread_time() - t

    setattr(owner, attr, timed)


def _on_gc(phase: str, _info: dict[str, int]) -> None:
    if phase == "start":
        _gc[2] = time.thread_time()
    else:
        _gc[0] += 1
        _gc[1] += time.thread_time() - _gc[2]


def _threads() -> dict[str, int]:
    """'name (tid)' -> nanoseconds on CPU, for every live Python thread."""
    out = {}
    for t in threading.enumerate():
        try:
            with open(f"/proc/self/task/{t.native_id}/schedstat") as f:
                out[f"{t.name} ({t.native_id})"] = int(f.read().split()[0])
        except OSError:
            continue
    return out


def _reset(*_: Any) -> None:
    _stats.clear()
    _gc[0], _gc[1] = 0, 0.0
    _threads0.clear()
    _threads0.update(_threads())


def _dump(*_: Any) -> None:
    now = _threads()
    threads = {k.rsplit(" (", 1)[0]: (v - _threads0[k]) / 1e9 for k, v in now.items() if k in _threads0}
    out = {"activities": {k: v for k, v in _stats.items()}, "gc": _gc[:2], "threads": threads}
    with open(os.environ["STEADY_STATS"], "w") as f:
        json.dump(out, f)


def instrument() -> None:
    from exporter.exposition.cache import Exposition
    from exporter.history import writer
    from exporter.host.registry import HostReader
    from exporter.sampling import sampler
    from exporter.web import data_view
    from exporter.web.dispatch import WebApp

    for owner, attr, label in (
        (HostReader, "read", "collection: HostReader.read (the collectors)"),
        (sampler, "make_reading", "collection: make_reading (rates, top-N)"),
        (sampler.Sampler, "_notify", "collection: subscribers (groups, alerts, history, ...)"),
        (data_view.DataView, "_ensure", "/data: document built and JSON-encoded (once per Reading)"),
        (data_view, "build_data", "/data: of which build_data"),
        (Exposition, "render", "/metrics: rendering"),
        (WebApp, "__call__", "HTTP: the WSGI app (request in, response out; includes the /data and /metrics work)"),
        (writer.Writer, "_write_batch", "history: one transaction of samples"),
        (writer.Writer, "maintain", "history: roll-up and retention"),
    ):
        _wrap(owner, attr, label)
    import cheroot.server

    _wrap(cheroot.server.HTTPConnection, "communicate", "HTTP: cheroot (includes the WSGI app)")
    gc.callbacks.append(_on_gc)
    signal.signal(signal.SIGUSR1, _dump)
    signal.signal(signal.SIGUSR2, _reset)


if __name__ == "__main__":
    instrument()
    from exporter.cli import main

    sys.exit(main(sys.argv[1:]))
