"""The Snapshot: one reading of the host, as plain frozen dataclasses.

Everything downstream (metrics, /data, alerts, history) is a pure function of
these, so it can be tested with hand-built snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from prometheus_client.metrics_core import Metric


@dataclass(frozen=True)
class CpuTimes:
    """Cumulative seconds one CPU spent in each mode (node_exporter's modes)."""

    cpu: str
    user: float
    nice: float
    system: float
    idle: float
    iowait: float
    irq: float
    softirq: float
    steal: float
    guest: float = 0.0  # already counted in user (node_cpu_guest_seconds_total reports it apart)
    guest_nice: float = 0.0  # already counted in nice

    MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")

    @property
    def total(self) -> float:
        return sum(getattr(self, m) for m in self.MODES)

    @property
    def busy(self) -> float:
        return self.total - self.idle - self.iowait


@dataclass(frozen=True)
class CpuInfo:
    """The cpu collector's typed reading: per-CPU seconds, and the boot time for the page."""

    per_cpu: tuple[CpuTimes, ...]
    boot_time: float = 0.0

    @property
    def count(self) -> int:
        return len(self.per_cpu)


@dataclass(frozen=True)
class LoadAvg:
    load1: float
    load5: float
    load15: float


@dataclass(frozen=True)
class Memory:
    """/proc/meminfo in bytes; `counts` names the fields without a unit (HugePages_Total)."""

    fields: dict[str, int]
    counts: frozenset[str] = frozenset()

    def get(self, name: str) -> int:
        return self.fields.get(name, 0)

    @property
    def total(self) -> int:
        return self.get("MemTotal")

    @property
    def available(self) -> int:
        if "MemAvailable" in self.fields:
            return self.get("MemAvailable")
        return self.get("MemFree") + self.get("Buffers") + self.get("Cached")

    @property
    def used(self) -> int:
        return max(self.total - self.available, 0)

    @property
    def swap_total(self) -> int:
        return self.get("SwapTotal")

    @property
    def swap_used(self) -> int:
        return max(self.swap_total - self.get("SwapFree"), 0)


@dataclass(frozen=True)
class Filesystem:
    """One mount. `error` is set when statfs failed or timed out (a hung mount)."""

    device: str
    mountpoint: str
    fstype: str
    size: int = 0
    free: int = 0
    avail: int = 0
    files: int = 0
    files_free: int = 0
    readonly: bool = False
    error: str = ""

    @property
    def used(self) -> int:
        return max(self.size - self.free, 0)

    @property
    def used_ratio(self) -> float:
        # Like df: used / (used + available to non-root users).
        denom = self.used + self.avail
        return self.used / denom if denom else 0.0


@dataclass(frozen=True)
class Disk:
    """Cumulative counters of one block device from /proc/diskstats."""

    device: str
    reads_completed: int
    reads_merged: int
    read_bytes: int
    read_time_seconds: float
    writes_completed: int
    writes_merged: int
    written_bytes: int
    write_time_seconds: float
    io_now: int
    io_time_seconds: float
    io_time_weighted_seconds: float


@dataclass(frozen=True)
class NetInterface:
    """Cumulative counters of one interface from /proc/net/dev, plus its state.

    COUNTERS are node_exporter's netdev statistics, each exported as
    node_network_<name>_total; `receive_nohandler` (from sysfs) is None where the
    kernel does not report it."""

    device: str
    receive_bytes: int
    receive_packets: int
    receive_errs: int
    receive_drop: int
    transmit_bytes: int
    transmit_packets: int
    transmit_errs: int
    transmit_drop: int
    up: bool = True
    receive_fifo: int = 0
    receive_frame: int = 0
    receive_compressed: int = 0
    receive_multicast: int = 0
    transmit_fifo: int = 0
    transmit_colls: int = 0
    transmit_carrier: int = 0
    transmit_compressed: int = 0
    receive_nohandler: int | None = None

    COUNTERS = (
        "receive_bytes", "receive_packets", "receive_errs", "receive_drop", "receive_fifo", "receive_frame",
        "receive_compressed", "receive_multicast", "receive_nohandler",
        "transmit_bytes", "transmit_packets", "transmit_errs", "transmit_drop", "transmit_fifo",
        "transmit_colls", "transmit_carrier", "transmit_compressed",
    )


class Process(NamedTuple):
    """One process; `start_time` (clock ticks since boot) tells a reused pid apart.

    A NamedTuple rather than a frozen dataclass: thousands are built per
    collection and a tuple is several times cheaper to create."""

    pid: int
    name: str
    user: str
    cmdline: str
    state: str
    cpu_seconds: float
    rss_bytes: int
    threads: int
    start_time: int
    cgroup: str = ""  # cgroup v2 path ("/system.slice/ssh.service"; "/" the root), "" without cgroup v2

    @property
    def key(self) -> tuple[int, int]:
        return (self.pid, self.start_time)


@dataclass(frozen=True, eq=False)
class ProcessChanges:
    """What changed in a reader's processes since the ProcessList it handed out before:
    `pairs` are (that list's reading of the pid, or None; this one) for every process read
    afresh, `gone` that list's processes (by pid) that are not in this one. Every other
    process of this list is that list's very object. `source` and `generation` tell
    whether a given list is the one before."""

    source: object
    generation: int
    pairs: tuple[tuple[Process | None, Process], ...]
    gone: dict[int, Process]

    def follows(self, before: tuple[Process, ...]) -> bool:
        other = getattr(before, "changes", None)
        return isinstance(other, ProcessChanges) and other.source is self.source and (
            other.generation + 1 == self.generation)


class ProcessList(tuple[Process, ...]):
    """Snapshot.processes as the process reader hands it out, with its ProcessChanges, so
    the Reading's diff costs what changed, not a pass over thousands of processes."""

    changes: ProcessChanges | None

    def __new__(cls, processes: list[Process] | tuple[Process, ...], changes: ProcessChanges | None = None
                ) -> ProcessList:
        self = super().__new__(cls, processes)
        self.changes = changes
        return self


@dataclass(frozen=True)
class CgroupUsage:
    """One cgroup series of /metrics and the page's services: a cgroup v2 path, or "other"
    (the sum of the cgroups beyond cgroups.max_series). Each counter includes what the
    cgroups that have left this series had used, so it never goes down. A field is None
    when no cgroup of the series has the file (the controller is not on v2 here)."""

    name: str
    cpu_seconds: float
    memory_bytes: int | None = None  # memory.current
    io_read_bytes: float | None = None  # io.stat rbytes, every device
    io_written_bytes: float | None = None  # io.stat wbytes
    cpu_waiting_seconds: float | None = None  # cpu.pressure "some" total
    io_waiting_seconds: float | None = None  # io.pressure "some"
    io_stalled_seconds: float | None = None  # io.pressure "full"
    memory_waiting_seconds: float | None = None  # memory.pressure "some"
    memory_stalled_seconds: float | None = None  # memory.pressure "full"
    cgroups: int = 1  # cgroups summed in this series (several for "other")


@dataclass(frozen=True)
class Uname:
    sysname: str
    nodename: str
    release: str
    version: str
    machine: str
    domainname: str = "(none)"


class CollectorResult(NamedTuple):
    """How one collector fared in this snapshot (a NamedTuple: one is made per collector per
    collection, and a frozen dataclass's __init__ cost three times as much)."""

    name: str
    success: bool
    duration_seconds: float
    error: str = ""
    # False when the collector's files do not exist here (no such kernel feature or hardware):
    # a failure of the host's make-up, not of the exporter, so it raises no alert.
    available: bool = True


@dataclass(frozen=True)
class Snapshot:
    """One collection of the host. Areas whose collector failed or is disabled are None."""

    timestamp: float
    monotonic: float
    cpu: CpuInfo | None = None
    load: LoadAvg | None = None
    memory: Memory | None = None
    filesystems: tuple[Filesystem, ...] | None = None
    disks: tuple[Disk, ...] | None = None
    network: tuple[NetInterface, ...] | None = None
    processes: tuple[Process, ...] | None = None
    cgroups: tuple[CgroupUsage, ...] | None = None
    uname: Uname | None = None
    # Metric families of the collectors whose data only feeds /metrics (netstat, vmstat...), as
    # (collector name, its families) in collector-table order: they need no typed field of their own,
    # and /metrics?collect[]= selects them by the collector that produced them.
    families: tuple[tuple[str, tuple[Metric, ...]], ...] = ()
    collectors: tuple[CollectorResult, ...] = field(default=())
    seq: int = 0
    # Only the collectors the page, alerts and history read ran (HostReader.read(partial=True)):
    # the families of the others are missing, so /metrics never renders this Snapshot.
    partial: bool = False
