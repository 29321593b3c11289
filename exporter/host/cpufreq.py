"""node_exporter's `cpufreq` collector: frequency scaling per CPU from /sys/devices/system/cpu/cpuN/cpufreq."""

from __future__ import annotations

import os

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import ANY_ERROR, KeptFiles
from exporter.host.paths import HostPaths
from exporter.host.sysfs import float_value
from exporter.text import decode_bytes

_KHZ = (  # (file, metric, help), values in kHz
    ("cpuinfo_cur_freq", "node_cpu_frequency_hertz", "Current CPU thread frequency in hertz."),
    ("cpuinfo_max_freq", "node_cpu_frequency_max_hertz", "Maximum CPU thread frequency in hertz."),
    ("cpuinfo_min_freq", "node_cpu_frequency_min_hertz", "Minimum CPU thread frequency in hertz."),
    ("scaling_cur_freq", "node_cpu_scaling_frequency_hertz", "Current scaled CPU thread frequency in hertz."),
    ("scaling_max_freq", "node_cpu_scaling_frequency_max_hertz", "Maximum scaled CPU thread frequency in hertz."),
    ("scaling_min_freq", "node_cpu_scaling_frequency_min_hertz", "Minimum scaled CPU thread frequency in hertz."),
)


_FILES = (*(f for f, _m, _h in _KHZ), "scaling_governor", "scaling_available_governors")


class CpuFreq:
    """Every CPU's cpufreq attributes through descriptors kept open (exporter.host.kept_files), eight
    per CPU: opening each at every scrape cost 10-30 µs a file, 2-8 ms on a host of 32-128 CPUs. The
    CPUs are listed at every collection; a CPU's descriptors are dropped when its cpufreq directory
    (the policy's) is another one, as after a driver reload."""

    def __init__(self, paths: HostPaths, skip: frozenset[str] = frozenset()) -> None:
        self._paths = paths
        self._skip = skip
        self._files = KeptFiles()

    def _cpufreq_dirs(self) -> list[str]:
        """What sorted(glob("cpu[0-9]*/cpufreq")) gives, without glob's pattern machinery: this runs
        at every collection, also on the many VMs that have no cpufreq at all."""
        root = self._paths.sys("devices", "system", "cpu")
        try:
            names = os.listdir(root)
        except OSError:
            return []
        found = []
        for name in names:
            if name.startswith("cpu") and "0" <= name[3:4] <= "9":
                path = f"{root}/{name}/cpufreq"
                if os.path.lexists(path):
                    found.append(path)
        return sorted(found)

    def __call__(self) -> list[GaugeFamily]:
        cpus = self._cpufreq_dirs()
        if not cpus:
            raise FileNotFoundError(2, "no cpufreq", self._paths.sys("devices", "system", "cpu"))
        fams = [(i, GaugeFamily(m, h, labels=["cpu"])) for i, (_f, m, h) in enumerate(_KHZ) if m not in self._skip]
        governor = GaugeFamily("node_cpu_scaling_governor", "Current enabled CPU frequency governor.",
                               labels=["cpu", "governor"])
        seen = set()
        for d in cpus:
            cpu = os.path.basename(os.path.dirname(d))[3:]
            try:
                self._files.check(cpu, d)
            except OSError:  # gone since the listing: nothing of it is readable
                continue
            seen.add(cpu)
            values = self._files.read_many(cpu, [f"{d}/{name}" for name in _FILES], ANY_ERROR)
            for i, fam in fams:
                value = float_value(values[i])
                if value is not None:
                    fam.add_metric([cpu], value * 1000.0)
            current, available = (None if v is None else decode_bytes(v).strip() for v in values[-2:])
            for name in (available or "").split():
                governor.add_metric([cpu, name], 1.0 if name == current else 0.0)
        self._files.retain(seen)
        return [fam for _i, fam in fams if fam.rows] + [governor]

    def close(self) -> None:
        self._files.close()


def read_cpufreq(paths: HostPaths, skip: frozenset[str] = frozenset()) -> list[GaugeFamily]:
    """One reading without kept descriptors."""
    reader = CpuFreq(paths, skip)
    try:
        return reader()
    finally:
        reader.close()


def make(ctx: CollectorContext) -> CpuFreq:
    # With cpu.info the cpu collector exports node_cpu_frequency_hertz{package,core,cpu} from
    # /proc/cpuinfo; a second family of that name with other labels would make the whole
    # exposition invalid (node_exporter's registry drops one of the two for the same reason).
    skip = frozenset({"node_cpu_frequency_hertz"}) if ctx.config.cpu.info else frozenset()
    return CpuFreq(ctx.paths, skip)
