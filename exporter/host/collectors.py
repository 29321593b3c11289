"""The collector table: every collector, its node_exporter name, its default and its factory.

This is node_exporter's `registerCollector(name, defaultEnabled, factory)` as one
table. It is a leaf: it imports nothing of the project, so `exporter.config` can take
the names from it and `check-config` never loads the host readers. Adding a
collector is one module under `exporter/host/` with a `make(ctx)` function plus
one row here.

A row's `field` names the typed Snapshot field the collector fills (areas that
the page, alerts or history use); a collector with `field=None` returns metric
families, which the Snapshot carries to /metrics as they are.

A partial collection (`HostReader.read(partial=True)`: the page's polls, the ticker
that keeps alerts and history going) runs only what those read: the collectors with
a field, and the few whose families the page shows (PAGE_FAMILIES). The others only
feed /metrics, which always takes a full collection.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CollectorSpec:
    name: str  # node_exporter's collector name where it has one (--collector.NAME)
    default: bool  # on unless disabled (node_exporter's defaultEnabled)
    factory: str  # "module:function"; the function takes a CollectorContext, returns the collect callable
    field: str | None = None  # the Snapshot field filled, or None for a collector yielding families
    settings: str | None = None  # the Config attribute holding this collector's options, if any
    help: str = ""


COLLECTORS: tuple[CollectorSpec, ...] = (
    CollectorSpec("cpu", True, "exporter.host.cpu:make", "cpu", "cpu",
                  help="/proc/stat: CPU seconds per mode; sysfs thermal throttles, isolated CPUs; "
                  "/proc/cpuinfo with cpu.info"),
    CollectorSpec("stat", True, "exporter.host.stat:make", None, "stat",
                  help="/proc/stat: forks, context switches, interrupts, boot time, procs running/blocked"),
    CollectorSpec("loadavg", True, "exporter.host.load:make", "load", help="/proc/loadavg"),
    CollectorSpec("meminfo", True, "exporter.host.memory:make", "memory", help="/proc/meminfo"),
    CollectorSpec("filesystem", True, "exporter.host.filesystems:make", "filesystems", "filesystems",
                  help="/proc/self/mountinfo and statfs (hung mounts time out)"),
    CollectorSpec("diskstats", True, "exporter.host.diskstats:make", "disks", "diskio",
                  help="/proc/diskstats, udev's run/udev/data, /sys/block/*/queue/rotational"),
    CollectorSpec("netdev", True, "exporter.host.network:make", "network", "network",
                  help="/proc/net/dev (every counter), /sys/class/net/*/statistics/rx_nohandler, */operstate"),
    CollectorSpec("uname", True, "exporter.host.system:make", "uname", help="uname(2)"),
    CollectorSpec("vmstat", True, "exporter.host.vmstat:make", None, "vmstat",
                  help="/proc/vmstat: the fields matching vmstat.fields"),
    CollectorSpec("pressure", True, "exporter.host.pressure:make", help="/proc/pressure/{cpu,io,memory,irq}"),
    CollectorSpec("timex", True, "exporter.host.timex:make", help="adjtimex(2): clock sync state and errors"),
    CollectorSpec("entropy", True, "exporter.host.entropy:make",
                  help="/proc/sys/kernel/random/{entropy_avail,poolsize}"),
    CollectorSpec("os", True, "exporter.host.os_release:make", help="etc/os-release or usr/lib/os-release"),
    CollectorSpec("time", True, "exporter.host.clock:make",
                  help="system time, time zone offset, /sys/devices/system/clocksource"),
    CollectorSpec("netclass", True, "exporter.host.netclass:make", None, "netclass",
                  help="/sys/class/net/*/: up, info, carrier, speed, MTU and the other interface properties"),
    CollectorSpec("netstat", True, "exporter.host.netstat:make", None, "netstat",
                  help="/proc/net/{netstat,snmp,snmp6}: the counters matching netstat.fields"),
    CollectorSpec("sockstat", True, "exporter.host.sockstat:make",
                  help="/proc/net/sockstat{,6}: sockets per protocol and state"),
    CollectorSpec("softnet", True, "exporter.host.softnet:make", help="/proc/net/softnet_stat: per-CPU packet work"),
    CollectorSpec("conntrack", True, "exporter.host.conntrack:make",
                  help="/proc/sys/net/netfilter/nf_conntrack_{count,max}, /proc/net/stat/nf_conntrack"),
    CollectorSpec("arp", True, "exporter.host.arp:make", None, "arp", help="/proc/net/arp: entries per device"),
    CollectorSpec("udp_queues", True, "exporter.host.udp_queues:make",
                  help="/proc/net/udp{,6}: bytes queued in UDP sockets"),
    CollectorSpec("filefd", True, "exporter.host.filefd:make", help="/proc/sys/fs/file-nr"),
    CollectorSpec("hwmon", True, "exporter.host.hwmon:make", None, "hwmon",
                  help="/sys/class/hwmon: temperatures, fans, voltages, power, chip names"),
    CollectorSpec("thermal_zone", True, "exporter.host.thermal_zone:make",
                  help="/sys/class/thermal: zone temperatures, cooling device states"),
    CollectorSpec("cpufreq", True, "exporter.host.cpufreq:make",
                  help="/sys/devices/system/cpu/cpu*/cpufreq: frequencies, governor"),
    CollectorSpec("mdadm", True, "exporter.host.mdadm:make", help="/proc/mdstat, /sys/block/md*/md: software RAID"),
    CollectorSpec("bonding", True, "exporter.host.bonding:make", help="/sys/class/net/*/bonding: slaves, MII up"),
    CollectorSpec("nvme", True, "exporter.host.nvme:make", help="/sys/class/nvme: controllers, namespaces"),
    CollectorSpec("edac", True, "exporter.host.edac:make",
                  help="/sys/devices/system/edac/mc: memory error counts"),
    CollectorSpec("rapl", True, "exporter.host.rapl:make", None, "rapl",
                  help="/sys/class/powercap/intel-rapl*: energy counters"),
    CollectorSpec("powersupplyclass", True, "exporter.host.powersupplyclass:make", None, "powersupplyclass",
                  help="/sys/class/power_supply: batteries, AC adapters"),
    CollectorSpec("schedstat", True, "exporter.host.schedstat:make",
                  help="/proc/schedstat: per-CPU run and wait time"),
    CollectorSpec("watchdog", True, "exporter.host.watchdog:make", help="/sys/class/watchdog"),
    CollectorSpec("dmi", True, "exporter.host.dmi:make", help="/sys/class/dmi/id: node_dmi_info"),
    CollectorSpec("cpu_vulnerabilities", False, "exporter.host.cpu_vulnerabilities:make",
                  help="/sys/devices/system/cpu/vulnerabilities: node_cpu_vulnerabilities_info"),
    CollectorSpec("softirqs", False, "exporter.host.softirqs:make", help="/proc/softirqs: per type and CPU"),
    # Off as in node_exporter: the kernel takes 0.2-1 ms to print /proc/interrupts, and its
    # series grow as CPUs x IRQs (bench/RESULTS-scrape.md has the measured cost).
    CollectorSpec("interrupts", False, "exporter.host.interrupts:make", help="/proc/interrupts: per IRQ and CPU"),
    CollectorSpec("textfile", True, "exporter.host.textfile:make", None, "textfile",
                  help="the *.prom files of textfile.directory, at scrape time (nothing to read until it is set)"),
    CollectorSpec("processes", True, "exporter.host.processes:make", "processes", "processes",
                  help="/proc/PID/stat of every process: node_processes_*, process groups, top-N, the page table"),
    # After processes: both use one cpu.stat sample of the cgroup tree per collection.
    CollectorSpec("cgroup_usage", True, "exporter.host.cgroups:make", "cgroups", "cgroups",
                  help="cgroup v2 cpu.stat, memory.current, io.stat, *.pressure: sysmon_cgroup_* per service"),
)

NAMES: tuple[str, ...] = tuple(c.name for c in COLLECTORS)
BY_NAME: dict[str, CollectorSpec] = {c.name: c for c in COLLECTORS}

# Collectors without a typed field whose families the page reads (exporter/web/details.py).
PAGE_FAMILIES = frozenset({"pressure", "hwmon"})


def in_partial(spec: CollectorSpec) -> bool:
    """Whether a partial collection runs this collector (see the module docstring)."""
    return spec.field is not None or spec.name in PAGE_FAMILIES
