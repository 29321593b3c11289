"""Rates from two consecutive snapshots: pure functions, no sleeping anywhere."""

from __future__ import annotations

from dataclasses import dataclass, field

from exporter.host.snapshot import CpuTimes, Snapshot


@dataclass(frozen=True)
class Rates:
    """Per-second rates over `interval` seconds. Empty when there is no previous snapshot."""

    interval: float = 0.0
    cpu_percent: float | None = None
    cpu_per_core: tuple[float, ...] = ()
    net: dict[str, tuple[float, float]] = field(default_factory=dict)  # device → (rx, tx) B/s
    disk: dict[str, tuple[float, float]] = field(default_factory=dict)  # device → (read, write) B/s
    process_cpu: dict[tuple[int, int], float] = field(default_factory=dict)  # (pid, start) → % of one core


def _busy_percent(a: CpuTimes, b: CpuTimes) -> float:
    total = b.total - a.total
    if total <= 0:
        return 0.0
    return max(0.0, min(100.0, 100.0 * (b.busy - a.busy) / total))


def _per_second(a: int | float, b: int | float, dt: float) -> float:
    # A counter that went backwards (wrap, interface re-created) yields 0, not a negative rate.
    return max(0.0, (b - a) / dt)


def compute_rates(prev: Snapshot | None, cur: Snapshot, processes: bool = True) -> Rates:
    """Rates between two snapshots; per-process CPU only when `processes` (it costs most)."""
    if prev is None:
        return Rates()
    dt = cur.monotonic - prev.monotonic
    if dt <= 0:
        return Rates()
    cpu_percent = None
    per_core: tuple[float, ...] = ()
    if prev.cpu and cur.cpu:
        before = {c.cpu: c for c in prev.cpu.per_cpu}
        per_core = tuple(_busy_percent(before[c.cpu], c) for c in cur.cpu.per_cpu if c.cpu in before)
        if per_core:
            cpu_percent = sum(per_core) / len(per_core)
    net = {}
    if prev.network and cur.network:
        before_net = {n.device: n for n in prev.network}
        for n in cur.network:
            p = before_net.get(n.device)
            if p:
                net[n.device] = (
                    _per_second(p.receive_bytes, n.receive_bytes, dt),
                    _per_second(p.transmit_bytes, n.transmit_bytes, dt),
                )
    disk = {}
    if prev.disks and cur.disks:
        before_disk = {d.device: d for d in prev.disks}
        for d in cur.disks:
            pd = before_disk.get(d.device)
            if pd:
                disk[d.device] = (
                    _per_second(pd.read_bytes, d.read_bytes, dt),
                    _per_second(pd.written_bytes, d.written_bytes, dt),
                )
    process_cpu = {}
    if processes and prev.processes is not None and cur.processes is not None:
        # Plain tuple unpacking: this loop runs once per process, thousands of times.
        before_proc = {(pid, start): cpu for pid, _n, _u, _c, _s, cpu, _r, _t, start in prev.processes}
        scale = 100.0 / dt
        for pid, _n, _u, _c, _s, cpu, _r, _t, start in cur.processes:
            key = (pid, start)
            was = before_proc.get(key)
            if was is not None:
                process_cpu[key] = max(0.0, (cpu - was) * scale)
    return Rates(dt, cpu_percent, per_core, net, disk, process_cpu)
