"""The whole configuration: one frozen Config of the sections."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from exporter.config.alert_settings import AlertsConfig
from exporter.config.collector_settings import (
    ArpConfig,
    CgroupsConfig,
    CpuConfig,
    DiskIOConfig,
    FilesystemsConfig,
    HwmonConfig,
    NetclassConfig,
    NetstatConfig,
    NetworkConfig,
    PowerSupplyConfig,
    ProcessesConfig,
    RaplConfig,
    StatConfig,
    TextfileConfig,
    VmstatConfig,
)
from exporter.config.service_settings import DirSizeConfig, HistoryConfig, WebConfig
from exporter.config.values import ConfigError, Duration
from exporter.host.collectors import BY_NAME, NAMES


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
