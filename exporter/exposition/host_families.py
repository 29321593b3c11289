"""Reading → Prometheus metric families, built from each Reading.

Host metrics that node_exporter also exports keep its names, types and labels,
so existing dashboards and rules work unchanged; everything else is `sysmon_`.
Families are built anew for every rendered Reading, so a label set that
disappears (an unmounted filesystem, an exited process) never lingers; only a
single-value family whose value did not move is the same object as last time.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterator

from prometheus_client.metrics_core import Metric

from exporter import __version__
from exporter.exposition.families import CounterFamily, Family, GaugeFamily, InfoFamily
from exporter.host.scalars import Scalars
from exporter.sampling.process_groups import GroupStats
from exporter.sampling.rates import rate_of
from exporter.sampling.reading import Reading
from exporter.sampling.snapshot import CgroupUsage, NetInterface, Snapshot

Selection = frozenset[str] | None  # the collectors whose families to render; None: all

_FS_LABELS = ["device", "fstype", "mountpoint"]


def _cpu(s: Snapshot) -> Iterator[Metric]:
    if s.cpu is None:
        return
    seconds = CounterFamily(
        "node_cpu_seconds", "Seconds the CPUs spent in each mode.", labels=["cpu", "mode"]
    )
    for c in s.cpu.per_cpu:
        for mode in c.MODES:
            seconds.add_metric([c.cpu, mode], getattr(c, mode))
    yield seconds


# The single-value families of the typed areas (meminfo's fifty, the load averages), handed
# out again while a value is the same: most meminfo fields do not move between two scrapes
# (exporter/host/scalars.py). Each is still built from this Reading's value.
_scalars = Scalars()


def _load(s: Snapshot) -> Iterator[Metric]:
    if s.load is None:
        return
    yield _scalars.family(GaugeFamily, "node_load1", "1m load average.", s.load.load1)
    yield _scalars.family(GaugeFamily, "node_load5", "5m load average.", s.load.load5)
    yield _scalars.family(GaugeFamily, "node_load15", "15m load average.", s.load.load15)


def _memory(s: Snapshot) -> Iterator[Metric]:
    if s.memory is None:
        return
    family = _scalars.family
    for key, value in s.memory.fields.items():
        if key in s.memory.counts:
            yield family(GaugeFamily, f"node_memory_{key}", f"Memory information field {key}.", value)
        else:
            yield family(GaugeFamily, f"node_memory_{key}_bytes", f"Memory information field {key}_bytes.", value)


def _filesystems(s: Snapshot) -> Iterator[Metric]:
    if s.filesystems is None:
        return
    fams = {
        "size": GaugeFamily("node_filesystem_size_bytes", "Filesystem size in bytes.", labels=_FS_LABELS),
        "free": GaugeFamily("node_filesystem_free_bytes", "Filesystem free space in bytes.", labels=_FS_LABELS),
        "avail": GaugeFamily(
            "node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", labels=_FS_LABELS
        ),
        "files": GaugeFamily("node_filesystem_files", "Filesystem total file nodes.", labels=_FS_LABELS),
        "files_free": GaugeFamily(
            "node_filesystem_files_free", "Filesystem total free file nodes.", labels=_FS_LABELS
        ),
    }
    readonly = GaugeFamily("node_filesystem_readonly", "Filesystem read-only status.", labels=_FS_LABELS)
    device_error = GaugeFamily(
        "node_filesystem_device_error",
        "Whether an error occurred while getting statistics for the given device (1 also for a hung statfs).",
        labels=_FS_LABELS,
    )
    for fs in s.filesystems:
        labels = [fs.device, fs.fstype, fs.mountpoint]
        device_error.add_metric(labels, 1.0 if fs.error else 0.0)
        readonly.add_metric(labels, 1.0 if fs.readonly else 0.0)
        if fs.error:
            continue
        for attr, fam in fams.items():
            fam.add_metric(labels, getattr(fs, attr))
    yield from fams.values()
    yield readonly
    yield device_error


def _network(s: Snapshot) -> Iterator[Metric]:
    """node_exporter's netdev families (node_network_up and the properties are netclass's)."""
    if s.network is None:
        return
    for attr in NetInterface.COUNTERS:
        fam = CounterFamily(f"node_network_{attr}", f"Network device statistic {attr}.", labels=["device"])
        for n in s.network:
            value = getattr(n, attr)
            if value is not None:
                fam.add_metric([n.device], value)
        if fam.rows:
            yield fam


def _system(s: Snapshot) -> Iterator[Metric]:
    if s.uname is not None:
        u = s.uname
        info = GaugeFamily(
            "node_uname_info",
            "Labeled system information as provided by the uname system call.",
            labels=["domainname", "machine", "nodename", "release", "sysname", "version"],
        )
        info.add_metric([u.domainname, u.machine, u.nodename, u.release, u.sysname, u.version], 1.0)
        yield info


def _collectors(s: Snapshot, only: Selection) -> Iterator[Metric]:
    ok = GaugeFamily(
        "node_scrape_collector_success", "node_exporter: Whether a collector succeeded.", labels=["collector"]
    )
    dur = GaugeFamily(
        "node_scrape_collector_duration_seconds", "node_exporter: Duration of a collector scrape.", labels=["collector"]
    )
    unavailable = GaugeFamily(
        "sysmon_collector_unavailable",
        "1 when the collector's files do not exist on this host (no such kernel feature or hardware),"
        " so its success 0 is not a fault.",
        labels=["collector"],
    )
    for c in s.collectors:
        if only is not None and c.name not in only:
            continue
        ok.add_metric([c.name], 1.0 if c.success else 0.0)
        dur.add_metric([c.name], c.duration_seconds)
        unavailable.add_metric([c.name], 0.0 if c.available else 1.0)
    yield ok
    yield dur
    yield unavailable


_CGROUP_COUNTERS = (
    ("cpu_seconds", "sysmon_cgroup_cpu_usage_seconds",
     "CPU seconds used by the cgroup's tasks and its descendants' (cpu.stat usage_usec)."),
    ("io_read_bytes", "sysmon_cgroup_io_read_bytes", "Bytes read from block devices by the cgroup (io.stat rbytes)."),
    ("io_written_bytes", "sysmon_cgroup_io_written_bytes",
     "Bytes written to block devices by the cgroup (io.stat wbytes)."),
    ("cpu_waiting_seconds", "sysmon_cgroup_pressure_cpu_waiting_seconds",
     "Seconds some of the cgroup's tasks waited for a CPU (cpu.pressure some)."),
    ("io_waiting_seconds", "sysmon_cgroup_pressure_io_waiting_seconds",
     "Seconds some of the cgroup's tasks waited for I/O (io.pressure some)."),
    ("io_stalled_seconds", "sysmon_cgroup_pressure_io_stalled_seconds",
     "Seconds all of the cgroup's runnable tasks were stalled on I/O (io.pressure full)."),
    ("memory_waiting_seconds", "sysmon_cgroup_pressure_memory_waiting_seconds",
     "Seconds some of the cgroup's tasks waited for memory (memory.pressure some)."),
    ("memory_stalled_seconds", "sysmon_cgroup_pressure_memory_stalled_seconds",
     "Seconds all of the cgroup's runnable tasks were stalled on memory (memory.pressure full)."),
)


_cgroup_memo: list[tuple[object, list[Family]]] = []


def _cgroups(s: Snapshot) -> Iterator[Metric]:
    """Per-service use: one series per cgroup path (bounded by cgroups.max_series) and "other".

    The collector hands back the very same series tuple while no cgroup moved: then the
    families built (and rendered) for it last time are served again."""
    if s.cgroups is None:
        return
    if _cgroup_memo and _cgroup_memo[0][0] is s.cgroups:
        yield from _cgroup_memo[0][1]
        return
    fams = list(_cgroup_families(s.cgroups))
    for fam in fams:
        fam.reused = True
    _cgroup_memo[:] = [(s.cgroups, fams)]
    yield from fams


def _cgroup_families(cgroups: tuple[CgroupUsage, ...]) -> Iterator[Family]:
    label = ["cgroup"]
    for attr, name, help_text in _CGROUP_COUNTERS:
        fam = CounterFamily(name, help_text, labels=label)
        for c in cgroups:
            v = getattr(c, attr)
            if v is not None:
                fam.add_metric([c.name], v)
        yield fam
    mem = GaugeFamily("sysmon_cgroup_memory_current_bytes",
                      "Memory charged to the cgroup (memory.current), where the memory controller is on v2.",
                      labels=label)
    count = GaugeFamily("sysmon_cgroup_cgroups",
                        "Cgroups summed in the series: 1, or those beyond cgroups.max_series for \"other\".",
                        labels=label)
    for c in cgroups:
        if c.memory_bytes is not None:
            mem.add_metric([c.name], c.memory_bytes)
        count.add_metric([c.name], c.cgroups)
    yield mem
    yield count


def group_families(stats: tuple[GroupStats, ...]) -> Iterator[Metric]:
    """The process groups (bounded by processes.max_groups, with an "other" group)."""
    label = ["groupname"]
    count = GaugeFamily("sysmon_process_group_processes", "Processes in the group.", labels=label)
    threads = GaugeFamily("sysmon_process_group_threads", "Threads in the group.", labels=label)
    rss = GaugeFamily(
        "sysmon_process_group_resident_memory_bytes", "Resident memory of the group's processes.", labels=label
    )
    cpu = CounterFamily(
        "sysmon_process_group_cpu_seconds",
        "CPU seconds (user+system) used by the group's processes, including exited ones.",
        labels=label,
    )
    for g in stats:
        count.add_metric([g.name], g.processes)
        threads.add_metric([g.name], g.threads)
        rss.add_metric([g.name], g.rss_bytes)
        cpu.add_metric([g.name], g.cpu_seconds_total)
    yield from (count, threads, rss, cpu)


def _top_processes(reading: Reading, n: int) -> Iterator[Metric]:
    s = reading.cur
    if s.processes is None or n <= 0:
        return
    labels = ["rank", "pid", "name", "user"]
    top_cpu = GaugeFamily(
        "sysmon_top_process_cpu_usage_ratio",
        "Top processes by CPU: share of all CPUs used since the previous snapshot (0..1).",
        labels=labels,
    )
    top_mem = GaugeFamily(
        "sysmon_top_process_resident_memory_bytes", "Top processes by resident memory.", labels=labels
    )
    ncpu = s.cpu.count if s.cpu and s.cpu.count else 1
    process_cpu = reading.rates.process_cpu
    for rank, p in enumerate(reading.top_cpu[:n], 1):
        ratio = (rate_of(process_cpu, p) or 0.0) / 100.0 / ncpu
        top_cpu.add_metric([str(rank), str(p.pid), p.name, p.user], ratio)
    for rank, p in enumerate(reading.top_memory[:n], 1):
        top_mem.add_metric([str(rank), str(p.pid), p.name, p.user], p.rss_bytes)
    yield top_cpu
    yield top_mem


def _make_build_info() -> InfoFamily:
    build = InfoFamily("sysmon_build", "Version of the exporter and of Python it runs on.",
                       labels=["version", "python_version"])
    build.add_metric([__version__, platform.python_version()], 1.0)
    build.reused = True  # the same family, and its line, for the life of the process
    return build


_BUILD_INFO = _make_build_info()


def _build_info() -> Iterator[Metric]:
    yield _BUILD_INFO


# The families built from typed Snapshot fields, by the collector that fills the field.
_AREAS: tuple[tuple[str, Callable[[Snapshot], Iterator[Metric]]], ...] = (
    ("cpu", _cpu),
    ("loadavg", _load),
    ("meminfo", _memory),
    ("filesystem", _filesystems),
    ("netdev", _network),
    ("uname", _system),
    ("cgroup_usage", _cgroups),
)


def reading_families(
    reading: Reading, top_n: int, groups: tuple[GroupStats, ...] | None, only: Selection = None
) -> Iterator[Metric]:
    """Every host family of one Reading, in the order /metrics has always listed them.

    `groups` are the process groups as they stood after this Reading (None when the
    processes collector is off). `only` keeps the families of those collectors (and their
    node_scrape_collector_* rows), as node_exporter's collect[]/exclude[]; None keeps all."""
    s = reading.cur
    for name, area in _AREAS:
        if only is None or name in only:
            yield from area(s)
    if only is None or "processes" in only:
        if s.processes is not None and groups is not None:
            yield from group_families(groups)
        yield from _top_processes(reading, top_n)
    yield from _collectors(s, only)
    yield from _build_info()
    for name, families in s.families:
        if only is None or name in only:
            yield from families
