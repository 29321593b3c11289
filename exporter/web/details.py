"""The /data sections behind the page's detail views: CPU by mode, per-disk I/O, per-interface
errors, pressure (PSI) and temperatures (hwmon). (The services table is data_view's `services`.)

Each is a pure function of one Reading (the pair `prev`, `cur` and its interval), computed
from counters the collectors already read, so the page never derives a rate itself. A
section is None when its data is missing (no previous snapshot yet, collector off or
failed, a kernel without PSI, a VM without sensors).
"""

from __future__ import annotations

from typing import Any

from prometheus_client.metrics_core import Metric

from exporter.sampling.reading import Reading
from exporter.sampling.snapshot import CpuTimes, Snapshot

# The busy modes drawn stacked on the page (idle is what is left to 100 %).
CPU_MODES = ("user", "nice", "system", "iowait", "irq", "softirq", "steal")

# PSI families (node_exporter's names) → (resource, line) in /data's "pressure".
_PRESSURE = {
    "node_pressure_cpu_waiting_seconds": ("cpu", "some"),
    "node_pressure_io_waiting_seconds": ("io", "some"),
    "node_pressure_io_stalled_seconds": ("io", "full"),
    "node_pressure_memory_waiting_seconds": ("memory", "some"),
    "node_pressure_memory_stalled_seconds": ("memory", "full"),
}


def rate(before: float | None, after: float | None, dt: float, scale: float = 1.0, digits: int = 3) -> float | None:
    """A counter's increase per second between two Readings (times `scale`), rounded; None
    without both values or an interval. A counter that went down (a device reset) counts 0."""
    if before is None or after is None or dt <= 0:
        return None
    return round(max(0.0, after - before) / dt * scale, digits)


def cpu_modes(reading: Reading) -> dict[str, float] | None:
    """Percent of all CPU time per busy mode over the interval (sums with idle to 100)."""
    prev, cur = reading.prev, reading.cur
    if prev is None or prev.cpu is None or cur.cpu is None:
        return None

    def summed(times: tuple[CpuTimes, ...]) -> dict[str, float]:
        return {m: sum(getattr(t, m) for t in times) for m in CpuTimes.MODES}

    a, b = summed(prev.cpu.per_cpu), summed(cur.cpu.per_cpu)
    total = sum(b.values()) - sum(a.values())
    if total <= 0:
        return None
    return {m: round(max(0.0, b[m] - a[m]) / total * 100.0, 2) for m in CPU_MODES}


def disk_details(reading: Reading) -> dict[str, dict[str, float | None]]:
    """Per disk: IOPS, busy percent (like iostat's %util) and mean wait per read and write."""
    prev, cur, dt = reading.prev, reading.cur, reading.rates.interval
    if prev is None or prev.disks is None or cur.disks is None or dt <= 0:
        return {}
    before = {d.device: d for d in prev.disks}
    out: dict[str, dict[str, float | None]] = {}
    for d in cur.disks:
        p = before.get(d.device)
        if p is None:
            continue
        reads = d.reads_completed - p.reads_completed
        writes = d.writes_completed - p.writes_completed
        out[d.device] = {
            "reads_per_second": rate(p.reads_completed, d.reads_completed, dt),
            "writes_per_second": rate(p.writes_completed, d.writes_completed, dt),
            "util_percent": min(100.0, rate(p.io_time_seconds, d.io_time_seconds, dt, 100.0) or 0.0),
            "read_await_seconds": round((d.read_time_seconds - p.read_time_seconds) / reads, 6) if reads > 0 else None,
            "write_await_seconds": (
                round((d.write_time_seconds - p.write_time_seconds) / writes, 6) if writes > 0 else None
            ),
        }
    return out


def network_errors(reading: Reading) -> dict[str, dict[str, float | None]]:
    """Per interface: errors and drops per second, receive and transmit together."""
    prev, cur, dt = reading.prev, reading.cur, reading.rates.interval
    if prev is None or prev.network is None or cur.network is None or dt <= 0:
        return {}
    before = {n.device: n for n in prev.network}
    out = {}
    for n in cur.network:
        p = before.get(n.device)
        if p is not None:
            out[n.device] = {
                "errors_per_second": rate(p.receive_errs + p.transmit_errs, n.receive_errs + n.transmit_errs, dt),
                "drops_per_second": rate(p.receive_drop + p.transmit_drop, n.receive_drop + n.transmit_drop, dt),
            }
    return out


def _pressure_totals(snap: Snapshot) -> dict[tuple[str, str], float]:
    out = {}
    for fam in dict(snap.families).get("pressure", ()):  # the pressure collector's families
        key = _PRESSURE.get(fam.name.removesuffix("_total"))
        if key is not None and fam.samples:
            out[key] = fam.samples[0].value
    return out


def pressure(reading: Reading) -> dict[str, dict[str, float | None]] | None:
    """Percent of the interval in which some (or all, "full") tasks stalled on CPU, memory or I/O."""
    if reading.prev is None:
        return None
    a, b = _pressure_totals(reading.prev), _pressure_totals(reading.cur)
    if not b:
        return None
    out: dict[str, dict[str, float | None]] = {}
    for key, after in b.items():
        resource, line = key
        # A share of the interval: at most 100 (the kernel's clock and ours tick apart by a little).
        share = rate(a.get(key), after, reading.rates.interval, 100.0)
        out.setdefault(resource, {})[line] = None if share is None else min(100.0, share)
    return out


def _by_sensor(families: dict[str, Metric], name: str, value_label: str | None = None) -> dict[tuple[str, ...], Any]:
    fam = families.get(name)
    if fam is None:
        return {}
    return {(s.labels["chip"], s.labels.get("sensor", "")): s.labels[value_label] if value_label else s.value
            for s in fam.samples}


def temperatures(reading: Reading) -> list[dict[str, Any]] | None:
    """hwmon temperature sensors, hottest first, with their chip's and sensor's names and the
    chip's own high and critical levels. None where the host has no hwmon sensors (VMs)."""
    families = {f.name: f for f in dict(reading.cur.families).get("hwmon", ())}  # the hwmon collector's
    temps = families.get("node_hwmon_temp_celsius")
    if temps is None:
        return None
    high = _by_sensor(families, "node_hwmon_temp_max_celsius")
    crit = _by_sensor(families, "node_hwmon_temp_crit_celsius")
    labels = _by_sensor(families, "node_hwmon_sensor_label", "label")
    chips = {chip: name for (chip, _), name in _by_sensor(families, "node_hwmon_chip_names", "chip_name").items()}
    rows = []
    for s in temps.samples:
        key = (s.labels["chip"], s.labels["sensor"])
        rows.append({
            "chip": chips.get(key[0], key[0]),
            "sensor": labels.get(key, key[1]),
            "celsius": round(s.value, 1),
            "high_celsius": high.get(key),
            "critical_celsius": crit.get(key),
        })
    rows.sort(key=lambda r: -r["celsius"])
    return rows
