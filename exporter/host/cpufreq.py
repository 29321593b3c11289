"""node_exporter's `cpufreq` collector: frequency scaling per CPU from /sys/devices/system/cpu/cpuN/cpufreq."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths
from exporter.host.sysfs import read_float, read_stripped

_KHZ = (  # (file, metric, help), values in kHz
    ("cpuinfo_cur_freq", "node_cpu_frequency_hertz", "Current CPU thread frequency in hertz."),
    ("cpuinfo_max_freq", "node_cpu_frequency_max_hertz", "Maximum CPU thread frequency in hertz."),
    ("cpuinfo_min_freq", "node_cpu_frequency_min_hertz", "Minimum CPU thread frequency in hertz."),
    ("scaling_cur_freq", "node_cpu_scaling_frequency_hertz", "Current scaled CPU thread frequency in hertz."),
    ("scaling_max_freq", "node_cpu_scaling_frequency_max_hertz", "Maximum scaled CPU thread frequency in hertz."),
    ("scaling_min_freq", "node_cpu_scaling_frequency_min_hertz", "Minimum scaled CPU thread frequency in hertz."),
)


def read_cpufreq(paths: HostPaths, skip: frozenset[str] = frozenset()) -> list[GaugeFamily]:
    cpus = sorted(glob.glob(paths.sys("devices", "system", "cpu", "cpu[0-9]*", "cpufreq")))
    if not cpus:
        raise FileNotFoundError(2, "no cpufreq", paths.sys("devices", "system", "cpu"))
    fams = [(f, GaugeFamily(m, h, labels=["cpu"])) for f, m, h in _KHZ if m not in skip]
    governor = GaugeFamily("node_cpu_scaling_governor", "Current enabled CPU frequency governor.",
                           labels=["cpu", "governor"])
    for d in cpus:
        cpu = os.path.basename(os.path.dirname(d))[3:]
        for filename, fam in fams:
            value = read_float(os.path.join(d, filename))
            if value is not None:
                fam.add_metric([cpu], value * 1000.0)
        current = read_stripped(os.path.join(d, "scaling_governor"))
        for name in (read_stripped(os.path.join(d, "scaling_available_governors")) or "").split():
            governor.add_metric([cpu, name], 1.0 if name == current else 0.0)
    return [fam for _f, fam in fams if fam.rows] + [governor]


def make(ctx: CollectorContext) -> Callable[[], list[GaugeFamily]]:
    # With cpu.info the cpu collector exports node_cpu_frequency_hertz{package,core,cpu} from
    # /proc/cpuinfo; a second family of that name with other labels would make the whole
    # exposition invalid (node_exporter's registry drops one of the two for the same reason).
    skip = frozenset({"node_cpu_frequency_hertz"}) if ctx.config.cpu.info else frozenset()
    return lambda: read_cpufreq(ctx.paths, skip)
