"""node_exporter's `cpu` collector: CPU seconds per CPU and mode, plus what it reads beside.

/proc/stat gives the typed CpuInfo the page, alerts and history use (and the
guest seconds, which node_exporter reports apart although the kernel already
counts them in user and nice). From sysfs, as node_exporter does by default:
thermal throttle counts per core and per package, and the isolated CPUs. With
`cpu.info` (--collector.cpu.info, off by default) also /proc/cpuinfo's model
and frequency per CPU, and the first CPU's flags and bugs matching the include
regexes. Only /metrics uses these extra families: they are returned beside CpuInfo.
"""

from __future__ import annotations

import os
import re

from prometheus_client.metrics_core import Metric

from exporter.config import CpuConfig
from exporter.exposition.families import CounterFamily, GaugeFamily
from exporter.host.context import Collected, CollectorContext
from exporter.host.kept_files import KeptReader, Text, keeps
from exporter.host.paths import HostPaths, read_text
from exporter.host.proc_stat import TICKS  # /proc/stat counts in USER_HZ ticks
from exporter.host.stat_text import shared
from exporter.host.sysfs import parse_cpu_list, read_stripped
from exporter.sampling.snapshot import CpuInfo, CpuTimes


def read_proc_stat(paths: HostPaths, text: Text = read_text) -> tuple[list[CpuTimes], float]:
    per_cpu: list[CpuTimes] = []
    btime = 0.0
    for line in text(paths.proc("stat")).splitlines():
        # Only the cpuN and btime lines are split: the intr line has one number per IRQ.
        if line.startswith("cpu") and not line.startswith("cpu "):
            parts = line.split()
            v = [int(x) / TICKS for x in parts[1:11]] + [0.0] * (10 - len(parts[1:11]))
            per_cpu.append(CpuTimes(parts[0][3:], *v))
        elif line.startswith("btime "):
            btime = float(line[6:])
    return per_cpu, btime


def read_cpu(paths: HostPaths) -> CpuInfo:
    """The typed part only (the page's CPU chart, the boot time)."""
    per_cpu, btime = read_proc_stat(paths)
    return CpuInfo(per_cpu=tuple(per_cpu), boot_time=btime)


class Throttles:
    """node_cpu_core_throttles_total{core,package} and node_cpu_package_throttles_total{package}.

    Only an online CPU has them: the kernel adds a CPU's topology/ and thermal_throttle/
    attribute groups when it comes online and removes them when it goes offline (the
    topology and therm_throt hotplug callbacks). So the CPUs asked are the online ones
    that /proc/stat's cpuN lines just listed (show_stat: for_each_online_cpu), with no
    listing of /sys/devices/system/cpu (9 µs of the collector's 40 here). A CPU's
    topology and whether its driver has thermal_throttle counters do not change while it
    stays online, so they are read when it is first seen online (a sysfs read costs tens
    of µs) and forgotten when it leaves the list; each collection reads only the counters."""

    def __init__(self, paths: HostPaths) -> None:
        self._root = paths.sys("devices", "system", "cpu")
        # cpuN → (package, core, core counter file or None, package counter file or None), None: no topology
        self._known: dict[str, tuple[str, str, str | None, str | None] | None] = {}

    def _describe(self, cpu: str) -> tuple[str, str, str | None, str | None] | None:
        d = os.path.join(self._root, cpu)
        package = read_stripped(os.path.join(d, "topology", "physical_package_id"))
        core = read_stripped(os.path.join(d, "topology", "core_id"))
        if package is None or core is None:
            return None
        core_file = os.path.join(d, "thermal_throttle", "core_throttle_count")
        pkg_file = os.path.join(d, "thermal_throttle", "package_throttle_count")
        return (package, core, core_file if os.path.exists(core_file) else None,
                pkg_file if os.path.exists(pkg_file) else None)

    def __call__(self, online: list[CpuTimes]) -> list[Metric]:
        """The families for these online CPUs (/proc/stat's cpuN lines)."""
        cpus = sorted(f"cpu{c.cpu}" for c in online)
        known = {cpu: self._known[cpu] if cpu in self._known else self._describe(cpu) for cpu in cpus}
        self._known = known
        core_fam = CounterFamily(
            "node_cpu_core_throttles", "Number of times this CPU core has been throttled.", labels=["package", "core"]
        )
        pkg_fam = CounterFamily(
            "node_cpu_package_throttles", "Number of times this CPU package has been throttled.", labels=["package"]
        )
        cores: set[tuple[str, str]] = set()
        packages: set[str] = set()
        for desc in known.values():
            if desc is None:
                continue
            package, core, core_file, pkg_file = desc
            if (package, core) not in cores:
                cores.add((package, core))
                count = read_stripped(core_file) if core_file else None
                if count is not None:
                    core_fam.add_metric([package, core], float(count))
            if package not in packages:
                packages.add(package)
                count = read_stripped(pkg_file) if pkg_file else None
                if count is not None:
                    pkg_fam.add_metric([package], float(count))
        return [f for f in (core_fam, pkg_fam) if f.rows]


def isolated_family(paths: HostPaths) -> list[Metric]:
    """node_cpu_isolated{cpu}: the kernel's isolcpus= list, fixed at boot (read once by make)."""
    text = read_stripped(paths.sys("devices", "system", "cpu", "isolated"))
    if not text:
        return []
    fam = GaugeFamily(
        "node_cpu_isolated",
        "Whether each core is isolated, information from /sys/devices/system/cpu/isolated.",
        labels=["cpu"],
    )
    for cpu in parse_cpu_list(text):
        fam.add_metric([str(cpu)], 1.0)
    return [fam]


def info_families(paths: HostPaths, config: CpuConfig) -> list[Metric]:
    """node_cpu_info, node_cpu_frequency_hertz, node_cpu_flag_info and node_cpu_bug_info from /proc/cpuinfo."""
    info = GaugeFamily(
        "node_cpu_info",
        "CPU information from /proc/cpuinfo.",
        labels=["package", "core", "cpu", "vendor", "family", "model", "model_name", "microcode", "stepping",
                "cachesize"],
    )
    freq = GaugeFamily(
        "node_cpu_frequency_hertz", "CPU frequency in hertz from /proc/cpuinfo.", labels=["package", "core", "cpu"]
    )
    first: dict[str, str] | None = None
    for block in read_text(paths.proc("cpuinfo")).split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                fields[key.strip()] = value.strip()
        if "processor" not in fields:
            continue
        if first is None:
            first = fields
        g = fields.get
        pkg, core, cpu = g("physical id", ""), g("core id", ""), fields["processor"]
        info.add_metric([pkg, core, cpu, g("vendor_id", ""), g("cpu family", ""), g("model", ""),
                         g("model name", ""), g("microcode", ""), g("stepping", ""), g("cache size", "")], 1.0)
        if "cpu MHz" in fields:
            freq.add_metric([pkg, core, cpu], float(fields["cpu MHz"]) * 1e6)
    fams: list[Metric] = [info, freq]
    for key, include, name, label in (
        ("flags", config.info_flags_include, "node_cpu_flag_info", "flag"),
        ("bugs", config.info_bugs_include, "node_cpu_bug_info", "bug"),
    ):
        if not include or first is None:
            continue
        fam = GaugeFamily(
            name, f"The `{key}` field of CPU information from /proc/cpuinfo taken from the first core.",
            labels=[label],
        )
        pattern = re.compile(include)
        for word in first.get(key, "").split():
            if pattern.search(word):
                fam.add_metric([word], 1.0)
        fams.append(fam)
    return fams


def guest_family(per_cpu: list[CpuTimes]) -> Metric:
    fam = CounterFamily(
        "node_cpu_guest_seconds", "Seconds the CPUs spent in guests (VMs) for each mode.", labels=["cpu", "mode"]
    )
    for c in per_cpu:
        fam.add_metric([c.cpu, "nice"], c.guest_nice)
        fam.add_metric([c.cpu, "user"], c.guest)
    return fam


def make(ctx: CollectorContext) -> KeptReader[Collected]:
    paths, config = ctx.paths, ctx.config.cpu
    throttles = Throttles(paths)
    isolated = isolated_family(paths)

    share = shared(ctx)  # the text read here is the stat collector's too (exporter/host/stat_text.py)
    stat_path = paths.proc("stat")

    def collect(text: Text) -> Collected:
        data = text(stat_path)
        share.offer(data)
        per_cpu, btime = read_proc_stat(paths, lambda _path: data)
        families = [guest_family(per_cpu), *throttles(per_cpu), *isolated]
        if config.info:
            families.extend(info_families(paths, config))
        return Collected(CpuInfo(per_cpu=tuple(per_cpu), boot_time=btime), families)

    return KeptReader(collect, keeps(paths))  # /proc/stat kept open: half the cost of opening it
