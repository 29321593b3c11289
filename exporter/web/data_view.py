"""The /data view: a pure function of the latest Reading, built once per Reading and shared.

It advances nothing: alerts, process groups and history subscribe to the Sampler
themselves (exporter.runtime); this view only reads their state.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections import Counter
from operator import itemgetter
from typing import Any

from exporter import __version__
from exporter.alerting.engine import AlertEngine
from exporter.config import Config
from exporter.history.series import per_second, percent, series_from
from exporter.sampling.rates import rate_of
from exporter.sampling.reading import Reading
from exporter.sampling.sampler import Sampler
from exporter.sampling.snapshot import Process
from exporter.web.details import cpu_modes, disk_details, network_errors, pressure, rate, temperatures

# Per-device details before there is a previous snapshot to take rates against.
NO_ERRORS = {"errors_per_second": None, "drops_per_second": None}
NO_IO = {"reads_per_second": None, "writes_per_second": None, "util_percent": None,
         "read_await_seconds": None, "write_await_seconds": None}

# How old a snapshot /data may serve while a fresh one is collected in the background.
STALE_OK = 5.0

STATE_NAMES = {
    "R": "running",
    "S": "sleeping",
    "D": "disk-sleep",
    "Z": "zombie",
    "T": "stopped",
    "t": "tracing-stop",
    "I": "idle",
    "X": "dead",
    "W": "paging",
    "P": "parked",
}
_STATE = itemgetter(Process._fields.index("state"))


def _process_rows(reading: Reading, mem_total: int, size: int) -> list[dict[str, Any]]:
    cpu = reading.rates.process_cpu
    rows = []
    seen = set()
    for p in reading.top_cpu[:size] + reading.top_memory[:size]:
        if p.pid in seen:
            continue
        seen.add(p.pid)
        rate = rate_of(cpu, p)
        rows.append(
            {
                "pid": p.pid,
                "user": p.user,
                "name": p.name,
                "cmdline": p.cmdline,
                "state": STATE_NAMES.get(p.state, p.state),
                "cpu_percent": round(rate, 2) if rate is not None else None,
                "memory_percent": percent(p.rss_bytes, mem_total),
                "rss_bytes": p.rss_bytes,
                "threads": p.threads,
            }
        )
    return rows


def _services(reading: Reading, size: int) -> dict[str, Any] | None:
    """The page's services table: the cgroup series (systemd services, slices, containers)
    with their rates since the previous Reading, busiest first. None when the cgroup
    collector is off or this host has no cgroup v2.

    Only the CPU rate (the sort key) is taken for every series; the other six rates only
    for the `size` rows sent (at 50 services and a table of 25, half the work per poll)."""
    cur = reading.cur.cgroups
    if cur is None:
        return None
    prev = {c.name: c for c in reading.prev.cgroups} if reading.prev and reading.prev.cgroups else {}
    dt = reading.rates.interval

    def per_s(before: float | None, after: float | None, scale: float = 1.0) -> float | None:
        return rate(before, after, dt, scale, digits=2)

    ranked = []
    for c in cur:
        p = prev.get(c.name)
        ranked.append((per_s(p.cpu_seconds, c.cpu_seconds, 100.0) if p else None, c, p))
    ranked.sort(key=lambda r: (-(r[0] or 0.0), -(r[1].memory_bytes or 0), str(r[1].name)))
    rows: list[dict[str, Any]] = []
    for cpu, c, p in ranked[:size]:
        rows.append(
            {
                "name": c.name,
                "unit": c.name.rsplit("/", 1)[-1],
                "cgroups": c.cgroups,
                "cpu_percent": cpu,
                "memory_bytes": c.memory_bytes,
                "io_read_bytes_per_second": per_s(p.io_read_bytes, c.io_read_bytes) if p else None,
                "io_write_bytes_per_second": per_s(p.io_written_bytes, c.io_written_bytes) if p else None,
                "cpu_pressure_percent": per_s(p.cpu_waiting_seconds, c.cpu_waiting_seconds, 100.0) if p else None,
                "io_pressure_percent": per_s(p.io_waiting_seconds, c.io_waiting_seconds, 100.0) if p else None,
                "memory_pressure_percent": (
                    per_s(p.memory_waiting_seconds, c.memory_waiting_seconds, 100.0) if p else None
                ),
            }
        )
    return {"total": len(ranked), "table_size": size, "top": rows}


def _by_state(processes: tuple[Process, ...]) -> dict[str, int]:
    """Processes per state, by the state's name in alphabetical order. Counted on the
    one-letter states (C-level, no call per process), then named: 5x cheaper at 1,000."""
    counts = Counter(map(_STATE, processes))
    named: Counter[str] = Counter()
    for letter, n in counts.items():
        named[STATE_NAMES.get(letter, letter)] += n
    return dict(sorted(named.items()))


def build_data(config: Config, reading: Reading) -> dict[str, Any]:
    """The /data document for one Reading. Sections whose collector failed are null."""
    cur, rates = reading.cur, reading.rates
    hide = re.compile(config.network.page_hide)
    data: dict[str, Any] = {
        "version": __version__,
        "timestamp": cur.timestamp,
        "interval_seconds": round(rates.interval, 3) if rates.interval else None,
        "hostname": cur.uname.nodename if cur.uname else None,
        "uptime_seconds": round(cur.timestamp - cur.cpu.boot_time, 1) if cur.cpu and cur.cpu.boot_time else None,
    }
    data["cpu"] = (
        {
            "count": cur.cpu.count,
            "percent": round(rates.cpu_percent, 2) if rates.cpu_percent is not None else None,
            "per_core": [round(v, 2) for v in rates.cpu_per_core] if rates.cpu_per_core else None,
            "modes": cpu_modes(reading),
        }
        if cur.cpu
        else None
    )
    data["load"] = (
        {
            "load1": cur.load.load1,
            "load5": cur.load.load5,
            "load15": cur.load.load15,
            "per_core": round(cur.load.load1 / cur.cpu.count, 3) if cur.cpu and cur.cpu.count else None,
        }
        if cur.load
        else None
    )
    mem = cur.memory
    if mem is not None:
        data["memory"] = {
            "total_bytes": mem.total,
            "used_bytes": mem.used,
            "available_bytes": mem.available,
            "percent": percent(mem.used, mem.total),
        }
        data["swap"] = {
            "total_bytes": mem.swap_total,
            "used_bytes": mem.swap_used,
            "percent": percent(mem.swap_used, mem.swap_total),
        }
    else:
        data["memory"] = data["swap"] = None
    data["filesystems"] = (
        [
            {
                "mountpoint": fs.mountpoint,
                "device": fs.device,
                "fstype": fs.fstype,
                "total_bytes": fs.size,
                "used_bytes": fs.used,
                "avail_bytes": fs.avail,
                "percent": round(100.0 * fs.used_ratio, 2) if not fs.error else None,
                "readonly": fs.readonly,
                "error": fs.error,
            }
            for fs in cur.filesystems
        ]
        if cur.filesystems is not None
        else None
    )
    errors, io = network_errors(reading), disk_details(reading)
    data["network"] = (
        [
            {
                "device": n.device,
                "rx_bytes_per_second": per_second(rates.net[n.device][0]) if n.device in rates.net else None,
                "tx_bytes_per_second": per_second(rates.net[n.device][1]) if n.device in rates.net else None,
                "rx_bytes_total": n.receive_bytes,
                "tx_bytes_total": n.transmit_bytes,
                "up": n.up,
                "hidden": bool(hide.search(n.device)),
                **errors.get(n.device, NO_ERRORS),
            }
            for n in cur.network
        ]
        if cur.network is not None
        else None
    )
    data["disks"] = (
        [
            {
                "device": d.device,
                "read_bytes_per_second": per_second(rates.disk[d.device][0]) if d.device in rates.disk else None,
                "write_bytes_per_second": per_second(rates.disk[d.device][1]) if d.device in rates.disk else None,
                **io.get(d.device, NO_IO),
            }
            for d in cur.disks
        ]
        if cur.disks is not None
        else None
    )
    if cur.processes is not None:
        data["processes"] = {
            "total": len(cur.processes),
            "by_state": _by_state(cur.processes),
            "table_size": config.processes.table_size,
            "top": _process_rows(reading, mem.total if mem else 0, config.processes.table_size),
        }
    else:
        data["processes"] = None
    data["services"] = _services(reading, config.processes.table_size)
    data["collectors"] = [
        {"name": c.name, "success": c.success, "duration_seconds": round(c.duration_seconds, 6), "error": c.error,
         "available": c.available}
        for c in cur.collectors
    ]
    data["pressure"] = pressure(reading)
    data["temperatures"] = temperatures(reading)
    data["series"] = series_from(reading, hide)
    return data


def thresholds_json(config: Config) -> dict[str, dict[str, float]]:
    """The configured alert levels, so the page colours bars and draws lines at the same values."""
    a = config.alerts
    return {
        name: {"warning": t.warning, "critical": t.critical, "for_seconds": float(t.for_)}
        for name, t in (("cpu", a.cpu), ("memory", a.memory), ("swap", a.swap), ("filesystem", a.filesystem),
                        ("load_per_core", a.load_per_core))
    }


class DataView:
    """The /data document of the latest Reading, built lazily and cached per Reading
    (dict, JSON bytes, gzipped bytes). `features` says which optional parts run, so the
    page does not probe disabled ones."""

    def __init__(
        self, config: Config, sampler: Sampler, alerts: AlertEngine, features: dict[str, Any] | None = None
    ) -> None:
        self._config = config
        self._sampler = sampler
        self._alerts = alerts
        self._features = features or {"history": {"enabled": False}, "dirsize": {"enabled": False}}
        self._lock = threading.Lock()
        self._seq = -1
        self._data: dict[str, Any] = {}
        self._body = b""
        self._gzipped = b""

    def _ensure(self, reading: Reading) -> tuple[dict[str, Any], bytes]:
        with self._lock:
            if reading.seq <= self._seq:  # same Reading, or an older one from a slower thread
                return self._data, self._body
            data = build_data(self._config, reading)
            data["alerts"] = self._alerts.to_json() | {"thresholds": thresholds_json(self._config)}
            data.update(self._features)
            self._seq, self._data = reading.seq, data
            self._body = json.dumps(data, separators=(",", ":")).encode()
            self._gzipped = b""
            return data, self._body

    def latest_gzipped(self) -> bytes:
        """The latest document gzipped (15 KB → 2.5 KB a poll), compressed once per Reading."""
        _data, body = self.latest()
        with self._lock:
            if self._body is body:
                if not self._gzipped:
                    self._gzipped = gzip.compress(body, compresslevel=5)
                return self._gzipped
        return gzip.compress(body, compresslevel=5)

    def latest(self) -> tuple[dict[str, Any], bytes]:
        """(document, JSON bytes) of the latest Reading.

        A Reading up to STALE_OK seconds old is served at once while a fresh one is
        collected in the background, so a page polling every 2 s never waits for a
        collection (about 20 ms at 1,000 processes); it sees each Reading one poll
        later instead."""
        return self._ensure(self._sampler.latest(stale_ok=STALE_OK, partial_ok=True))
