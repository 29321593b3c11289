"""YAML configuration → frozen dataclasses.

Every setting has a default, so no file is needed. Loading is strict: an
unknown key, a wrong type or a bad value raises ConfigError naming the key
path (``alerts.cpu.warning``), which the CLI prints as one line.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from exporter.host.collectors import BY_NAME, NAMES

DEFAULT_PORT = 9877
DEFAULT_LISTEN = f"127.0.0.1:{DEFAULT_PORT}"


class ConfigError(ValueError):
    """A configuration problem, worded for the user, naming the key path."""


# --- value types with their own parsing ------------------------------------------

_DURATION_RE = re.compile(r"^(?:(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(value: Any) -> float:
    """Seconds from a number or a Prometheus-style duration ("90s", "5m", "1h30m")."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 5m or 1h")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and _DURATION_RE.match(value.strip()):
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(value))
    else:
        raise ValueError(f"expected a duration such as 30s, 5m or 1h, got {value!r}")
    if not math.isfinite(seconds):  # YAML's .inf / .nan: would pass every check and then mean nothing
        raise ValueError(f"a duration must be a finite number, got {value!r}")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest Prometheus duration string for a whole number of seconds."""
    s = int(round(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s and s % size == 0:
            return f"{s // size}{unit}"
    return f"{s}s"


class Duration(float):
    """A float of seconds that YAML may give as "5m"."""


class Regex(str):
    """A string that must compile as a regular expression."""


# --- the settings ------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """Warning and critical levels of one resource, held for `for_` before firing."""

    warning: float
    critical: float
    for_: Duration = Duration(60.0)

    def _check(self, path: str) -> None:
        if self.warning > self.critical:
            raise ConfigError(f"{path}: warning ({self.warning}) must not exceed critical ({self.critical})")


_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass(frozen=True)
class BasicAuth:
    """HTTP basic auth of a notification receiver; the password is read from a file, like Prometheus."""

    username: str = ""
    password_file: str = ""


@dataclass(frozen=True)
class NotifyTarget:
    """One Alertmanager or webhook receiver: its URL, how to authenticate, which CA to trust."""

    url: str = ""
    basic_auth: BasicAuth = BasicAuth()
    bearer_token_file: str = ""
    tls_ca_file: str = ""

    def _check(self, path: str) -> None:
        if not re.match(r"^https?://[^/\s]+", self.url):
            raise ConfigError(f"{path}.url: expected an http:// or https:// URL, got {self.url!r}")
        if "@" in self.url.split("/")[2]:
            raise ConfigError(f"{path}.url: put credentials in basic_auth (password_file), not in the URL")
        auth = self.basic_auth
        if bool(auth.username) != bool(auth.password_file):
            raise ConfigError(f"{path}.basic_auth: username and password_file go together")
        if auth.username and self.bearer_token_file:
            raise ConfigError(f"{path}: basic_auth and bearer_token_file are mutually exclusive")
        for key, file in (("basic_auth.password_file", auth.password_file),
                          ("bearer_token_file", self.bearer_token_file), ("tls_ca_file", self.tls_ca_file)):
            if file and not os.access(os.path.expanduser(file), os.R_OK):
                raise ConfigError(f"{path}.{key}: cannot read {file}")
        if self.tls_ca_file and not self.url.startswith("https://"):
            raise ConfigError(f"{path}.tls_ca_file: only used with an https:// URL")


@dataclass(frozen=True)
class NotifyConfig:
    """Where the embedded mode sends its alerts (no Prometheus needed); nothing is sent by default."""

    alertmanagers: tuple[NotifyTarget, ...] = ()
    webhooks: tuple[NotifyTarget, ...] = ()
    # Added to every alert (like Prometheus' external_labels); may set job or instance.
    labels: dict[str, str] = field(default_factory=dict)
    # The page's address as people reach it (generatorURL); empty: http://<hostname>:<port>/
    external_url: str = ""
    # Alerts are re-sent to Alertmanager this often while active (Prometheus' --rules.alert.resend-delay).
    resend_delay: Duration = Duration(60.0)
    # A webhook hears again about an alert still firing after this long (Alertmanager's repeat_interval).
    repeat_interval: Duration = Duration(4 * 3600.0)
    timeout: Duration = Duration(10.0)
    # Where alert state is kept when history is off; empty: <data dir>/alert-state.json
    state_file: str = ""

    def _check(self, path: str) -> None:
        for name in self.labels:
            if not _LABEL_NAME.match(name) or name.startswith("__"):
                raise ConfigError(f"{path}.labels.{name}: not a valid Prometheus label name")
            if name in ("alertname", "severity"):
                raise ConfigError(f"{path}.labels.{name}: set by the alert itself")
        if self.external_url and not re.match(r"^https?://[^/\s]+", self.external_url):
            raise ConfigError(f"{path}.external_url: expected an http:// or https:// URL")
        if self.resend_delay < 1:
            raise ConfigError(f"{path}.resend_delay: must be at least 1s")
        if self.repeat_interval < self.resend_delay:
            raise ConfigError(f"{path}.repeat_interval: must not be shorter than resend_delay")
        if not 0 < self.timeout <= 300:
            raise ConfigError(f"{path}.timeout: must be between 0 and 5m")


@dataclass(frozen=True)
class AlertsConfig:
    """Thresholds shared by the page's alerts and the generated Prometheus rules.

    Ratios are 0..1 (0.9 = 90 %); load is per core.
    """

    cpu: Threshold = Threshold(0.85, 0.95, Duration(300.0))
    memory: Threshold = Threshold(0.85, 0.95, Duration(300.0))
    swap: Threshold = Threshold(0.50, 0.80, Duration(300.0))
    filesystem: Threshold = Threshold(0.85, 0.95, Duration(300.0))
    load_per_core: Threshold = Threshold(1.5, 3.0, Duration(600.0))
    hysteresis: float = 0.02
    log_size: int = 100
    notify: NotifyConfig = NotifyConfig()

    def _check(self, path: str) -> None:
        for name in ("cpu", "memory", "swap", "filesystem"):
            t: Threshold = getattr(self, name)
            for level in ("warning", "critical"):
                v = getattr(t, level)
                if not 0 <= v <= 1:
                    raise ConfigError(f"{path}.{name}.{level}: a ratio between 0 and 1 is expected, got {v}")
        if not 0 <= self.hysteresis < 1:
            raise ConfigError(f"{path}.hysteresis: a ratio between 0 and 1 is expected")
        if self.log_size < 1:
            raise ConfigError(f"{path}.log_size: must be at least 1")

    def items(self) -> list[tuple[str, Threshold]]:
        return [(n, getattr(self, n)) for n in ("cpu", "memory", "swap", "filesystem", "load_per_core")]


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


@dataclass(frozen=True)
class DirSizeConfig:
    """Background `du`-style scans of allowlisted roots."""

    enabled: bool = True
    # Empty: the running user's home, except when running as root (then none: a root
    # exporter must not show /root's largest files to whoever reaches the port).
    roots: tuple[str, ...] = ()
    refresh_interval: Duration = Duration(600.0)
    time_limit: Duration = Duration(300.0)
    top_n: int = 100
    metrics_top_n: int = 10
    # Forced rescans (POST): a path at most once per interval, a root a few at once then one per interval.
    rescan_min_interval: Duration = Duration(10.0)

    def _check(self, path: str) -> None:
        if not 1 <= self.top_n <= 100:
            raise ConfigError(f"{path}.top_n: must be between 1 and 100, got {self.top_n}")
        if not 0 <= self.metrics_top_n <= 100:
            raise ConfigError(f"{path}.metrics_top_n: must be between 0 and 100, got {self.metrics_top_n}")
        if self.time_limit <= 0:
            raise ConfigError(f"{path}.time_limit: must be positive")

    def resolved_roots(self) -> tuple[Path, ...]:
        roots = self.roots or (() if os.geteuid() == 0 else ("~",))
        return tuple(Path(os.path.expanduser(r)).resolve() for r in roots)


@dataclass(frozen=True)
class HistoryConfig:
    """SQLite history for the embedded mode (no Prometheus needed)."""

    enabled: bool = True
    sample_interval: Duration = Duration(10.0)
    raw_retention: Duration = Duration(86400.0)
    minute_retention: Duration = Duration(30 * 86400.0)
    hour_retention: Duration = Duration(365 * 86400.0)

    def _check(self, path: str) -> None:
        if self.sample_interval < 1:
            raise ConfigError(f"{path}.sample_interval: must be at least 1s")


_BCRYPT_RE = re.compile(r"^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$")


def _check_private_key(key_path: str, file: str) -> None:
    """Refuse a TLS private key that every local user can read, as sshd refuses host keys."""
    try:
        st = os.stat(os.path.expanduser(file))
    except OSError as e:
        raise ConfigError(f"{key_path}: cannot read {file}: {e.strerror or e}") from None
    if st.st_mode & 0o004:
        raise ConfigError(f"{key_path}: {file} is readable by every user (mode {st.st_mode & 0o777:o}); "
                          f"chmod o-rwx {file}")


@dataclass(frozen=True)
class WebConfig:
    """Listen address, TLS and basic auth (in the spirit of Prometheus' web config)."""

    listen: str = DEFAULT_LISTEN
    threads: int = 8
    tls_cert_file: str = ""
    tls_key_file: str = ""
    basic_auth_users: dict[str, str] = field(default_factory=dict)
    metrics_require_auth: bool = True
    # Host names requests may use (DNS rebinding); empty: loopback names when listening on loopback, else any.
    allowed_hosts: tuple[str, ...] = ()

    def _check(self, path: str) -> None:
        try:
            parse_listen(self.listen)
        except ValueError as e:
            raise ConfigError(f"{path}.listen: {e}") from None
        if bool(self.tls_cert_file) != bool(self.tls_key_file):
            raise ConfigError(f"{path}: tls_cert_file and tls_key_file go together")
        for user, h in self.basic_auth_users.items():
            if not _BCRYPT_RE.match(str(h)):
                raise ConfigError(f"{path}.basic_auth_users.{user}: expected a bcrypt hash "
                                  "($2b$, a cost from 04 to 31, then 53 characters of ./A-Za-z0-9)")
        if self.tls_key_file:
            _check_private_key(f"{path}.tls_key_file", self.tls_key_file)
        if not 1 <= self.threads <= 64:
            raise ConfigError(f"{path}.threads: must be between 1 and 64")


@dataclass(frozen=True)
class Config:
    """The whole configuration. See config.example.yml for every setting, commented."""

    root_prefix: str = ""
    data_dir: str = ""
    sample_max_age: Duration = Duration(1.0)
    # Collectors by node_exporter's names (see exporter/host/collectors.py): turn off
    # default ones, turn on those that are off by default.
    disabled_collectors: tuple[str, ...] = ()
    enabled_collectors: tuple[str, ...] = ()
    web: WebConfig = WebConfig()
    filesystems: FilesystemsConfig = FilesystemsConfig()
    diskio: DiskIOConfig = DiskIOConfig()
    cpu: CpuConfig = CpuConfig()
    stat: StatConfig = StatConfig()
    vmstat: VmstatConfig = VmstatConfig()
    netstat: NetstatConfig = NetstatConfig()
    arp: ArpConfig = ArpConfig()
    netclass: NetclassConfig = NetclassConfig()
    textfile: TextfileConfig = TextfileConfig()
    hwmon: HwmonConfig = HwmonConfig()
    powersupplyclass: PowerSupplyConfig = PowerSupplyConfig()
    rapl: RaplConfig = RaplConfig()
    network: NetworkConfig = NetworkConfig()
    processes: ProcessesConfig = ProcessesConfig()
    cgroups: CgroupsConfig = CgroupsConfig()
    alerts: AlertsConfig = AlertsConfig()
    dirsize: DirSizeConfig = DirSizeConfig()
    history: HistoryConfig = HistoryConfig()

    def _check(self, path: str) -> None:
        for key in ("disabled_collectors", "enabled_collectors"):
            for name in getattr(self, key):
                if name not in BY_NAME:
                    raise ConfigError(f"{key}: unknown collector {name!r} (known: {', '.join(NAMES)})")
        both = set(self.disabled_collectors) & set(self.enabled_collectors)
        if both:
            raise ConfigError(f"enabled_collectors: {', '.join(sorted(both))} is also in disabled_collectors")
        if self.root_prefix and not os.path.isabs(self.root_prefix):
            raise ConfigError("root_prefix: must be an absolute path such as /host")

    def data_path(self) -> Path:
        """Where the history database lives: data_dir, else the user's state directory."""
        if self.data_dir:
            return Path(os.path.expanduser(self.data_dir))
        state = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
        return Path(state) / "sysmon-exporter"


def parse_listen(listen: str) -> tuple[str, int]:
    """("127.0.0.1", 9877) from "127.0.0.1:9877" or "[::1]:9877"."""
    host, sep, port_s = listen.rpartition(":")
    if not sep or not port_s.isdigit():
        raise ValueError(f"expected HOST:PORT, got {listen!r}")
    port = int(port_s)
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range")
    host = host.strip("[]") or "0.0.0.0"
    return host, port


# --- the strict loader ---------------------------------------------------------------


def _yaml_key(name: str) -> str:
    return name.rstrip("_")


def _convert(value: Any, tp: Any, path: str, default: Any = None) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: expected a mapping, got {type(value).__name__}")
        return _build(tp, value, path, default)
    if tp is Duration:
        try:
            return Duration(parse_duration(value))
        except ValueError as e:
            raise ConfigError(f"{path}: {e}") from None
    if tp is Regex:
        if not isinstance(value, str):
            raise ConfigError(f"{path}: expected a regular expression string")
        try:
            re.compile(value)
        except re.error as e:
            raise ConfigError(f"{path}: invalid regular expression: {e}") from None
        return Regex(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{path}: expected a whole number, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{path}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{path}: expected a string, got {value!r}")
        return value
    if origin is tuple:
        (item_tp, _ellipsis) = typing.get_args(tp)
        if isinstance(value, str) or not isinstance(value, list):
            raise ConfigError(f"{path}: expected a list")
        return tuple(_convert(v, item_tp, f"{path}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        _k, v_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: expected a mapping")
        return {str(k): _convert(v, v_tp, f"{path}.{k}") for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        raise ConfigError(f"{path}: unsupported type")  # not used by the schema
    raise ConfigError(f"{path}: unsupported type {tp!r}")


def _build(cls: Any, data: dict[str, Any], path: str, base: Any = None) -> Any:
    """An instance of `cls` from `data`; settings not given keep `base`'s values (the defaults)."""
    if base is None:
        base = cls()
    hints = typing.get_type_hints(cls)
    fields = {_yaml_key(f.name): f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        key_path = f"{path}.{key}" if path else str(key)
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{key_path}: unknown setting (known here: {known})")
        f = fields[key]
        kwargs[f.name] = _convert(value, hints[f.name], key_path, getattr(base, f.name))
    obj = dataclasses.replace(base, **kwargs)
    check = getattr(obj, "_check", None)
    if check:
        check(path)
    return obj


def config_from_dict(data: dict[str, Any] | None) -> Config:
    """A validated Config from parsed YAML (None or {} gives the defaults)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("the configuration must be a YAML mapping at the top level")
    return typing.cast(Config, _build(Config, data, ""))


class _StrictLoader(yaml.SafeLoader):
    """safe_load, but a key given twice in one mapping is an error (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping)


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Load and validate a YAML file; None gives the defaults."""
    if path is None:
        return config_from_dict({})
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ConfigError(f"{path}: not valid UTF-8 (byte 0x{raw[e.start]:02x} at line {line})") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}: {problem}{where}") from None
    try:
        return config_from_dict(data)
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
