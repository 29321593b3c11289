"""YAML configuration → frozen dataclasses.

Every setting has a default, so no file is needed. Loading is strict: an unknown
key, a wrong type, a duplicate key or a bad value raises ConfigError naming the key
path (``alerts.cpu.warning``), which the CLI prints as one line.

The package: `values` (durations, regexes, listen addresses, ConfigError), one module
of settings per concern (`alert_settings`, `collector_settings`, `service_settings`),
`schema` (the whole Config) and `loader` (YAML → Config). Import from here.
"""

from __future__ import annotations

from exporter.config.alert_settings import AlertsConfig, BasicAuth, NotifyConfig, NotifyTarget, Threshold
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
from exporter.config.loader import config_from_dict, load_config
from exporter.config.schema import Config
from exporter.config.service_settings import DirSizeConfig, HistoryConfig, WebConfig
from exporter.config.values import (
    DEFAULT_LISTEN,
    DEFAULT_PORT,
    ConfigError,
    Duration,
    Regex,
    format_duration,
    parse_duration,
    parse_listen,
)

__all__ = [
    "AlertsConfig",
    "ArpConfig",
    "BasicAuth",
    "CgroupsConfig",
    "Config",
    "ConfigError",
    "CpuConfig",
    "DEFAULT_LISTEN",
    "DEFAULT_PORT",
    "DirSizeConfig",
    "DiskIOConfig",
    "Duration",
    "FilesystemsConfig",
    "HistoryConfig",
    "HwmonConfig",
    "NetclassConfig",
    "NetstatConfig",
    "NetworkConfig",
    "NotifyConfig",
    "NotifyTarget",
    "PowerSupplyConfig",
    "ProcessesConfig",
    "RaplConfig",
    "Regex",
    "StatConfig",
    "TextfileConfig",
    "Threshold",
    "VmstatConfig",
    "WebConfig",
    "config_from_dict",
    "format_duration",
    "load_config",
    "parse_duration",
    "parse_listen",
]
