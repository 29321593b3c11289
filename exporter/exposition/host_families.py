"""Reading → Prometheus metric families, built from each Reading.

Host metrics that node_exporter also exports keep its names, types and labels,
so existing dashboards and rules work unchanged; everything else is `sysmon_`.
Families are built from every rendered Reading, so a label set that disappears
(an unmounted filesystem, an exited process) never lingers. A family whose rows
equal last time's is the same object as then (Scalars, KeptFamilies), and an area
whose whole input equals last time's hands out the same tuple of families: the
encoder then serves their kept text (encoding._segment). The comparisons are made
against this Reading's values every time, so what is served is never older than it.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterable, Iterator
from itertools import repeat
from operator import attrgetter, not_

from prometheus_client.metrics_core import Metric

from exporter import __version__
from exporter.exposition.families import CounterFamily, Family, GaugeFamily, InfoFamily, KeptFamilies, Row
from exporter.host.scalars import Scalars
from exporter.sampling.process_groups import GroupStats
from exporter.sampling.rates import rate_of
from exporter.sampling.reading import Reading
from exporter.sampling.snapshot import CgroupUsage, Memory, NetInterface, Snapshot

Selection = frozenset[str] | None  # the collectors whose families to render; None: all
Segment = tuple[str, Iterable[Metric]]  # (fixed key, the families of one area or collector)

_FS_LABELS = ("device", "fstype", "mountpoint")


_cpu_labels: dict[tuple[str, tuple[str, ...]], tuple[tuple[str, str], ...]] = {}


def _cpu(s: Snapshot) -> Iterator[Metric]:
    if s.cpu is None:
        return
    seconds = CounterFamily(
        "node_cpu_seconds", "Seconds the CPUs spent in each mode.", labels=["cpu", "mode"]
    )
    rows = seconds.rows
    for c in s.cpu.per_cpu:
        modes = c.MODES
        labels = _cpu_labels.get((c.cpu, modes))
        if labels is None:  # each CPU's (cpu, mode) label pairs, built once
            if len(_cpu_labels) >= 4096:
                _cpu_labels.clear()
            labels = _cpu_labels[c.cpu, modes] = tuple((c.cpu, mode) for mode in modes)
        rows.extend(zip(labels, map(getattr, repeat(c, len(modes)), modes), strict=True))
    yield seconds


# The single-value families of the typed areas (meminfo's fifty, the load averages), handed
# out again while a value is the same: most meminfo fields do not move between two scrapes
# (exporter/host/scalars.py). Each is still built from this Reading's value.
_scalars = Scalars()


# Areas whose input equals last time's hand out the very tuple of families built then: the
# encoder serves such a tuple as its segment's kept text without looking inside it
# (encoding._segment). Equal inputs build equal families (equal values render the same but
# for 0.0 and -0.0, which neither a load average nor a meminfo field is); an input is kept as
# a copy, so a caller changing its own afterwards changes nothing here.
_last_input: dict[str, tuple[object, tuple[Metric, ...]]] = {}


def _load(s: Snapshot) -> Iterable[Metric]:
    load = s.load
    if load is None:
        return ()
    key = (load.load1, load.load5, load.load15)
    last = _last_input.get("loadavg")
    if last is not None and last[0] == key:
        return last[1]
    fams = (_scalars.family(GaugeFamily, "node_load1", "1m load average.", load.load1),
            _scalars.family(GaugeFamily, "node_load5", "5m load average.", load.load5),
            _scalars.family(GaugeFamily, "node_load15", "15m load average.", load.load15))
    _last_input["loadavg"] = (key, fams)
    return fams


# meminfo's families by field: (value, whether a count, family). A field whose value and kind are
# those of last time yields that family again, the same object Scalars would give, without
# building its name and help again. Only int values (what /proc/meminfo holds) take this path:
# an int equal to the last one renders the same, so it cannot hand out a stale line.
_memory_kept: dict[str, tuple[int, bool, Metric]] = {}


def _memory(s: Snapshot) -> Iterable[Metric]:
    memory = s.memory
    if memory is None:
        return ()
    last = _last_input.get("meminfo")
    if last is not None and last[0] == (memory.fields, memory.counts):
        return last[1]
    fams = tuple(_memory_families(memory))
    _last_input["meminfo"] = ((dict(memory.fields), memory.counts), fams)
    return fams


def _memory_families(memory: Memory) -> Iterator[Metric]:
    counts = memory.counts
    kept = _memory_kept
    for key, value in memory.fields.items():
        last = kept.get(key)
        count = key in counts
        if last is not None and last[0] == value and last[1] is count and type(value) is int:
            yield last[2]
            continue
        if count:
            fam = _scalars.family(GaugeFamily, f"node_memory_{key}", f"Memory information field {key}.", value)
        else:
            fam = _scalars.family(GaugeFamily, f"node_memory_{key}_bytes", f"Memory information field {key}_bytes.",
                                  value)
        if type(value) is int:
            if len(kept) >= 4096:
                kept.clear()
            kept[key] = (value, count, fam)
        yield fam


_FILESYSTEM = (
    ("size", "node_filesystem_size_bytes", "Filesystem size in bytes."),
    ("free", "node_filesystem_free_bytes", "Filesystem free space in bytes."),
    ("avail", "node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes."),
    ("files", "node_filesystem_files", "Filesystem total file nodes."),
    ("files_free", "node_filesystem_files_free", "Filesystem total free file nodes."),
)

# The multi-row families of the areas, each handed out again while its rows are unchanged (a quiet
# interface's error counters, a filesystem's size, the groups' process counts): built from this
# Reading's rows every time, compared with last time's, rendered only when they differ.
_kept = KeptFamilies()


_FS_VALUES = attrgetter(*(attr for attr, _, _ in _FILESYSTEM))


def _filesystems(s: Snapshot) -> Iterator[Metric]:
    if s.filesystems is None:
        return
    every = s.filesystems
    labels = _kept.labels("filesystem", [(fs.device, fs.fstype, fs.mountpoint) for fs in every])
    fine = [fs for fs in every if not fs.error]
    fine_labels = labels if len(fine) == len(every) else _kept.labels(
        "filesystem:fine", [label for label, fs in zip(labels, every, strict=True) if not fs.error])
    columns = list(zip(*map(_FS_VALUES, fine), strict=True)) or [()] * len(_FILESYSTEM)
    for (_, name, help_text), column in zip(_FILESYSTEM, columns, strict=True):
        yield _kept.column_family(GaugeFamily, name, help_text, _FS_LABELS, fine_labels, column)
    yield _kept.column_family(GaugeFamily, "node_filesystem_readonly", "Filesystem read-only status.", _FS_LABELS,
                              labels, [1.0 if fs.readonly else 0.0 for fs in every])
    yield _kept.column_family(
        GaugeFamily, "node_filesystem_device_error",
        "Whether an error occurred while getting statistics for the given device (1 also for a hung statfs).",
        _FS_LABELS, labels, [1.0 if fs.error else 0.0 for fs in every])


_NETDEV = tuple((attr, f"node_network_{attr}", f"Network device statistic {attr}.", attrgetter(attr))
                for attr in NetInterface.COUNTERS)


_NETDEV_VALUES = attrgetter(*NetInterface.COUNTERS)


def _network(s: Snapshot) -> Iterator[Metric]:
    """node_exporter's netdev families (node_network_up and the properties are netclass's)."""
    if s.network is None:
        return
    labels = _kept.labels("netdev", [(n.device,) for n in s.network])
    columns = zip(*map(_NETDEV_VALUES, s.network), strict=True)  # one per counter (none without interfaces)
    for (_, name, help_text, _), column in zip(_NETDEV, columns, strict=False):
        if None in column:  # a counter some interfaces do not report: no series for those
            rows: list[Row] = [row for row in zip(labels, column, strict=True) if row[1] is not None]
            if rows:
                yield _kept.family(CounterFamily, name, help_text, ("device",), rows)
        else:
            yield _kept.column_family(CounterFamily, name, help_text, ("device",), labels, column)


def _system(s: Snapshot) -> Iterable[Metric]:
    u = s.uname
    if u is None:
        return ()
    labels = (u.domainname, u.machine, u.nodename, u.release, u.sysname, u.version)
    last = _last_input.get("uname")
    if last is not None and last[0] == labels:
        return last[1]
    info = GaugeFamily(
        "node_uname_info",
        "Labeled system information as provided by the uname system call.",
        labels=["domainname", "machine", "nodename", "release", "sysname", "version"],
    )
    info.add_metric(labels, 1.0)
    info.reused = True
    fams = (info,)
    _last_input["uname"] = (labels, fams)
    return fams


_COLLECTOR = ("collector",)
_COLLECTOR_FIELDS = attrgetter("name", "success", "duration_seconds", "available")


def _collectors(s: Snapshot, only: Selection) -> Iterator[Metric]:
    shown = s.collectors if only is None else [c for c in s.collectors if c.name in only]
    names, success, durations, available = zip(*map(_COLLECTOR_FIELDS, shown), strict=True) if shown else ((),) * 4
    labels = _kept.labels("collectors", list(zip(names)))  # (name,) per collector
    yield _kept.column_family(GaugeFamily, "node_scrape_collector_success",
                              "node_exporter: Whether a collector succeeded.", _COLLECTOR, labels,
                              list(map(float, success)))  # True: 1.0
    yield _kept.column_family(GaugeFamily, "node_scrape_collector_duration_seconds",
                              "node_exporter: Duration of a collector scrape.", _COLLECTOR, labels, durations)
    yield _kept.column_family(GaugeFamily, "sysmon_collector_unavailable",
                              "1 when the collector's files do not exist on this host (no such kernel feature or"
                              " hardware), so its success 0 is not a fault.",
                              _COLLECTOR, labels, list(map(float, map(not_, available))))


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


_cgroup_memo: list[tuple[object, tuple[Family, ...]]] = []


def _cgroups(s: Snapshot) -> Iterable[Metric]:
    """Per-service use: one series per cgroup path (bounded by cgroups.max_series) and "other".

    The collector hands back the very same series tuple while no cgroup moved: then the
    families built (and rendered) for it last time are served again."""
    if s.cgroups is None:
        return ()
    if _cgroup_memo and _cgroup_memo[0][0] is s.cgroups:
        return _cgroup_memo[0][1]
    fams = tuple(_cgroup_families(s.cgroups))
    for fam in fams:
        fam.reused = True
    _cgroup_memo[:] = [(s.cgroups, fams)]
    return fams


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


_GROUPS = (
    (GaugeFamily, "sysmon_process_group_processes", "Processes in the group.", 1),  # GroupStats' field
    (GaugeFamily, "sysmon_process_group_threads", "Threads in the group.", 2),
    (GaugeFamily, "sysmon_process_group_resident_memory_bytes", "Resident memory of the group's processes.", 3),
    (CounterFamily, "sysmon_process_group_cpu_seconds",
     "CPU seconds (user+system) used by the group's processes, including exited ones.", 4),
)


def group_families(stats: tuple[GroupStats, ...]) -> Iterator[Metric]:
    """The process groups (bounded by processes.max_groups, with an "other" group)."""
    columns = list(zip(*stats, strict=True)) or [()] * len(GroupStats._fields)
    labels = _kept.labels("groups", list(zip(columns[0])))  # (name,) per group
    for cls, name, help_text, field in _GROUPS:
        yield _kept.column_family(cls, name, help_text, ("groupname",), labels, columns[field])


def _top_processes(reading: Reading, n: int) -> Iterator[Metric]:
    s = reading.cur
    if s.processes is None or n <= 0:
        return
    top_cpu = GaugeFamily(
        "sysmon_top_process_cpu_usage_ratio",
        "Top processes by CPU: share of all CPUs used since the previous snapshot (0..1).",
        labels=_TOP_LABELS,
    )
    ncpu = s.cpu.count if s.cpu and s.cpu.count else 1
    process_cpu = reading.rates.process_cpu
    for rank, p in enumerate(reading.top_cpu[:n], 1):
        ratio = (rate_of(process_cpu, p) or 0.0) / 100.0 / ncpu
        top_cpu.add_metric((str(rank), str(p.pid), p.name, p.user), ratio)
    yield top_cpu
    # The top by memory seldom changes between two scrapes (the same processes, the same sizes).
    yield _kept.family(GaugeFamily, "sysmon_top_process_resident_memory_bytes", "Top processes by resident memory.",
                       _TOP_LABELS, [((str(rank), str(p.pid), p.name, p.user), p.rss_bytes)
                                     for rank, p in enumerate(reading.top_memory[:n], 1)])


_TOP_LABELS = ("rank", "pid", "name", "user")


def _make_build_info() -> InfoFamily:
    build = InfoFamily("sysmon_build", "Version of the exporter and of Python it runs on.",
                       labels=["version", "python_version"])
    build.add_metric([__version__, platform.python_version()], 1.0)
    build.reused = True  # the same family, and its line, for the life of the process
    return build


_BUILD_INFO = _make_build_info()


def _build_info() -> Iterable[Metric]:
    return _BUILD_ONLY


_BUILD_ONLY = (_BUILD_INFO,)


# The families built from typed Snapshot fields, by the collector that fills the field.
_AREAS: tuple[tuple[str, Callable[[Snapshot], Iterable[Metric]]], ...] = (
    ("cpu", _cpu),
    ("loadavg", _load),
    ("meminfo", _memory),
    ("filesystem", _filesystems),
    ("netdev", _network),
    ("uname", _system),
    ("cgroup_usage", _cgroups),
)


def reading_segments(
    reading: Reading, top_n: int, groups: tuple[GroupStats, ...] | None, only: Selection = None
) -> Iterator[Segment]:
    """Every host family of one Reading, in the order /metrics has always listed them, as
    (fixed key, the families of one area or collector): the encoder keeps a segment's text.

    `groups` are the process groups as they stood after this Reading (None when the
    processes collector is off). `only` keeps the families of those collectors (and their
    node_scrape_collector_* rows), as node_exporter's collect[]/exclude[]; None keeps all."""
    s = reading.cur
    for name, area in _AREAS:
        if only is None or name in only:
            yield name, area(s)
    if only is None or "processes" in only:
        if s.processes is not None and groups is not None:
            yield "groups", group_families(groups)
        yield "top", _top_processes(reading, top_n)
    yield "collectors", _collectors(s, only)
    yield "build", _build_info()
    for name, families in s.families:
        if only is None or name in only:
            yield "collector:" + name, families


def reading_families(
    reading: Reading, top_n: int, groups: tuple[GroupStats, ...] | None, only: Selection = None
) -> Iterator[Metric]:
    """reading_segments' families as one stream."""
    for _, families in reading_segments(reading, top_n, groups, only):
        yield from families
