"""Per-collector options, node_exporter's flags as settings with node_exporter's defaults."""

from __future__ import annotations

from dataclasses import dataclass

from exporter.config.values import ConfigError, Duration, Regex


@dataclass(frozen=True)
class FilesystemsConfig:
    """Which mounts to report; node_exporter's default exclusions."""

    mount_points_exclude: Regex = Regex(
        r"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
    )
    fs_types_exclude: Regex = Regex(
        r"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660"
        r"|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs"
        r"|tracefs)$"
    )
    stat_timeout: Duration = Duration(5.0)


@dataclass(frozen=True)
class DiskIOConfig:
    """Disks to report; partitions and virtual devices excluded by default, like node_exporter."""

    device_exclude: Regex = Regex(r"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$")
    # node_exporter's --collector.diskstats.device-include: when set, only these (the exclude is ignored).
    device_include: Regex = Regex("")


@dataclass(frozen=True)
class CpuConfig:
    """node_exporter's --collector.cpu.info* flags: /proc/cpuinfo details, off by default."""

    info: bool = False
    info_flags_include: Regex = Regex("")  # empty: no node_cpu_flag_info
    info_bugs_include: Regex = Regex("")  # empty: no node_cpu_bug_info


@dataclass(frozen=True)
class StatConfig:
    """node_exporter's --collector.stat.softirq: per-vector softirq counts, off by default."""

    softirq: bool = False


@dataclass(frozen=True)
class VmstatConfig:
    """node_exporter's --collector.vmstat.fields: the /proc/vmstat fields exported."""

    fields: Regex = Regex(r"^(oom_kill|pgpg|pswp|pg.*fault).*")


@dataclass(frozen=True)
class HwmonConfig:
    """node_exporter's --collector.hwmon.{chip,sensor}-{include,exclude}; empty: no filter.

    Sensors are matched as "chip;sensor" (e.g. platform_coretemp_0;temp3)."""

    chip_include: Regex = Regex("")
    chip_exclude: Regex = Regex("")
    sensor_include: Regex = Regex("")
    sensor_exclude: Regex = Regex("")


@dataclass(frozen=True)
class PowerSupplyConfig:
    """node_exporter's --collector.powersupply.ignored-supplies."""

    ignored_supplies: Regex = Regex("^$")


@dataclass(frozen=True)
class RaplConfig:
    """node_exporter's --collector.rapl.enable-zone-label: one family with a rapl_zone label."""

    enable_zone_label: bool = False


@dataclass(frozen=True)
class NetstatConfig:
    """node_exporter's --collector.netstat.fields: the Protocol_Field counters exported."""

    fields: Regex = Regex(
        r"^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)"
        r"|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)"
        r"|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)"
        r"|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$"
    )


@dataclass(frozen=True)
class ArpConfig:
    """node_exporter's --collector.arp.device-{include,exclude} (unanchored; empty: not set)."""

    device_include: Regex = Regex("")
    device_exclude: Regex = Regex("")


@dataclass(frozen=True)
class NetclassConfig:
    """node_exporter's --collector.netclass.ignored-devices and --collector.netclass.ignore-invalid-speed."""

    ignored_devices: Regex = Regex("^$")
    ignore_invalid_speed: bool = False


@dataclass(frozen=True)
class TextfileConfig:
    """node_exporter's --collector.textfile.directory: *.prom files read at scrape time (a glob
    may name several directories). Empty: nothing is read, and node_textfile_scrape_error is 0,
    as node_exporter reports with no directory."""

    directory: str = ""


@dataclass(frozen=True)
class NetworkConfig:
    """Interfaces to report in /metrics (all by default) and to hide on the page.

    node_exporter's --collector.netdev.device-{include,exclude}: unanchored regexes."""

    device_include: Regex = Regex("")
    device_exclude: Regex = Regex(r"^$")
    page_hide: Regex = Regex(r"^(lo|veth.*|docker\d*|br-.*|virbr.*|cni.*|flannel.*|cali.*)$")


@dataclass(frozen=True)
class ProcessesConfig:
    """Per-process metrics with bounded cardinality: groups by name and a small top-N."""

    enabled: bool = True
    max_groups: int = 40
    top_n: int = 5
    table_size: int = 25
    # One open descriptor per process makes a collection about 3× cheaper, for about
    # 5 KiB of kernel memory per process; false reads every file with open/read/close.
    keep_files_open: bool = True
    # What names a process group: the process name, or its cgroup v2 path (process-exporter's
    # {{.Cgroups}}: one group per systemd service or container).
    group_by: str = "name"

    def _check(self, path: str) -> None:
        for name, lo, hi in (("max_groups", 1, 1000), ("top_n", 0, 100), ("table_size", 1, 500)):
            v = getattr(self, name)
            if not lo <= v <= hi:
                raise ConfigError(f"{path}.{name}: must be between {lo} and {hi}, got {v}")
        if self.group_by not in ("name", "cgroup"):
            raise ConfigError(f"{path}.group_by: expected name or cgroup, got {self.group_by!r}")


@dataclass(frozen=True)
class CgroupsConfig:
    """Per-service resource use from cgroup v2 (sysmon_cgroup_*), and the quiet-cgroup skip."""

    # Cgroups exported by path (sticky slots, heaviest first); the rest are summed as "other".
    max_series: int = 100
    # How deep below the root: 2 reaches /system.slice/ssh.service, 3 a user's services and
    # /kubepods.slice/... pods. Deeper cgroups count in their ancestors' figures.
    max_depth: int = 3
    # Serve the last reading of every process of a cgroup whose CPU usage did not move,
    # without reading its /proc files (false: probe every process each collection).
    skip_quiet_processes: bool = True

    def _check(self, path: str) -> None:
        for name, lo, hi in (("max_series", 1, 10000), ("max_depth", 1, 16)):
            v = getattr(self, name)
            if not lo <= v <= hi:
                raise ConfigError(f"{path}.{name}: must be between {lo} and {hi}, got {v}")
