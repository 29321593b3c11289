"""node_exporter's `powersupplyclass` collector: batteries and mains adapters in /sys/class/power_supply.

Each attribute a supply has becomes node_power_supply_<name>{power_supply}
(µ-units scaled to base units, tenths of °C to °C), and the text attributes
are the labels of node_power_supply_info (only those the supply has, as in
node_exporter). `powersupplyclass.ignored_supplies` skips supplies by name.
"""

from __future__ import annotations

import os
import re

from prometheus_client.metrics_core import Metric

from exporter.exposition.families import GaugeFamily
from exporter.host.class_listing import ClassListing
from exporter.host.context import CollectorContext
from exporter.host.kept_files import ANY_ERROR, KeptFiles, KeptFilesReader
from exporter.host.paths import HostPaths
from exporter.host.sysfs import float_value
from exporter.text import decode_bytes

# sysfs attribute → (metric suffix, divisor), in node_exporter's order.
_VALUES: tuple[tuple[str, str, float], ...] = (
    ("authentic", "authentic", 1), ("calibrate", "calibrate", 1), ("capacity", "capacity", 1),
    ("capacity_alert_max", "capacity_alert_max", 1), ("capacity_alert_min", "capacity_alert_min", 1),
    ("cycle_count", "cyclecount", 1), ("online", "online", 1), ("present", "present", 1),
    ("time_to_empty_now", "time_to_empty_seconds", 1), ("time_to_full_now", "time_to_full_seconds", 1),
    ("current_boot", "current_boot", 1e6), ("current_max", "current_max", 1e6),
    ("current_now", "current_ampere", 1e6), ("energy_empty", "energy_empty", 1e6),
    ("energy_empty_design", "energy_empty_design", 1e6), ("energy_full", "energy_full", 1e6),
    ("energy_full_design", "energy_full_design", 1e6), ("energy_now", "energy_watthour", 1e6),
    ("voltage_boot", "voltage_boot", 1e6), ("voltage_max", "voltage_max", 1e6),
    ("voltage_max_design", "voltage_max_design", 1e6), ("voltage_min", "voltage_min", 1e6),
    ("voltage_min_design", "voltage_min_design", 1e6), ("voltage_now", "voltage_volt", 1e6),
    ("voltage_ocv", "voltage_ocv", 1e6), ("charge_control_limit", "charge_control_limit", 1e6),
    ("charge_control_limit_max", "charge_control_limit_max", 1e6), ("charge_counter", "charge_counter", 1e6),
    ("charge_empty", "charge_empty", 1e6), ("charge_empty_design", "charge_empty_design", 1e6),
    ("charge_full", "charge_full", 1e6), ("charge_full_design", "charge_full_design", 1e6),
    ("charge_now", "charge_ampere", 1e6), ("charge_term_current", "charge_term_current", 1e6),
    ("constant_charge_current", "constant_charge_current", 1e6),
    ("constant_charge_current_max", "constant_charge_current_max", 1e6),
    ("constant_charge_voltage", "constant_charge_voltage", 1e6),
    ("constant_charge_voltage_max", "constant_charge_voltage_max", 1e6),
    ("precharge_current", "precharge_current", 1e6), ("input_current_limit", "input_current_limit", 1e6),
    ("power_now", "power_watt", 1e6),
    ("temp", "temp_celsius", 10), ("temp_alert_max", "temp_alert_max_celsius", 10),
    ("temp_alert_min", "temp_alert_min_celsius", 10), ("temp_ambient", "temp_ambient_celsius", 10),
    ("temp_ambient_max", "temp_ambient_max_celsius", 10), ("temp_ambient_min", "temp_ambient_min_celsius", 10),
    ("temp_max", "temp_max_celsius", 10), ("temp_min", "temp_min_celsius", 10),
)
_INFO = ("type", "status", "technology", "capacity_level", "manufacturer", "model_name", "serial_number",
         "health", "charge_type", "scope", "usb_type")


def read_power_supplies(paths: HostPaths, ignored: re.Pattern[str], files: KeptFiles | None = None,
                        listing: ClassListing | None = None) -> list[Metric]:
    """With `files`, the attributes are read through descriptors kept open, one group per supply
    (dropped when its entry is another inode); the supplies and their attributes are listed at
    every collection (with `listing`, an empty class only every 10 s: exporter/host/class_listing.py)."""
    root = paths.sys("class", "power_supply")
    kept = files if files is not None else KeptFiles()
    fams: dict[str, GaugeFamily] = {}
    info = Metric("node_power_supply_info", "info of /sys/class/power_supply/<power_supply>.", "gauge")
    entries = (listing or ClassListing(root)).entries()  # FileNotFoundError: no power_supply class here
    seen = set()
    for name, ino in entries:
        if ignored.search(name):
            continue
        d = os.path.join(root, name)
        present = set(os.listdir(d))  # a supply has a dozen of the ~60 attributes: read only those
        kept.check(name, d, ino)
        seen.add(name)
        values = [(attr, suffix, divisor) for attr, suffix, divisor in _VALUES if attr in present]
        texts = [attr for attr in _INFO if attr in present]
        raw = kept.read_many(name, [f"{d}/{a}" for a, _s, _d in values] + [f"{d}/{a}" for a in texts], ANY_ERROR)
        for (_attr, suffix, divisor), data in zip(values, raw, strict=False):
            value = float_value(data)
            if value is None:
                continue
            fam = fams.get(suffix)
            if fam is None:
                fam = fams[suffix] = GaugeFamily(
                    f"node_power_supply_{suffix}", f"{suffix} value of /sys/class/power_supply/<power_supply>.",
                    labels=["power_supply"],
                )
            fam.add_metric([name], value / divisor)
        labels = {"power_supply": name}
        for attr, data in zip(texts, raw[len(values):], strict=True):
            text = None if data is None else decode_bytes(data).strip()
            if text:
                labels[attr] = text
        info.add_sample("node_power_supply_info", labels, 1.0)
    kept.retain(seen)
    if files is None:
        kept.close()
    return [*fams.values(), info]


def make(ctx: CollectorContext) -> KeptFilesReader[list[Metric]]:
    ignored = re.compile(ctx.config.powersupplyclass.ignored_supplies)
    listing = ClassListing(ctx.paths.sys("class", "power_supply"))
    return KeptFilesReader(lambda files: read_power_supplies(ctx.paths, ignored, files, listing))
