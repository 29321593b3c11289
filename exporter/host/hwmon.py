"""node_exporter's `hwmon` collector: /sys/class/hwmon sensors (temperatures, fans, voltages, power...).

Names, units and labels follow node_exporter: a chip is named after its device
(`platform_coretemp_0`), else its `name` file, else the hwmonN directory; chips
that share one device get their `name` appended. Each file `<type><n>_<element>`
becomes node_hwmon_<type>[_<element>]_<unit>{chip,sensor}. `hwmon.chip_include`
/ `chip_exclude` filter chips, `sensor_include` / `sensor_exclude` filter
"chip;sensor" (node_exporter's --collector.hwmon.* flags).
"""

from __future__ import annotations

import os
import re

from exporter.config import HwmonConfig
from exporter.exposition.families import CounterFamily, Family, GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import ANY_ERROR, KeptFiles
from exporter.host.paths import HostPaths
from exporter.host.sysfs import IncludeExclude, read_stripped

SENSOR_TYPES = frozenset({"vrm", "beep_enable", "update_interval", "in", "cpu", "fan", "pwm", "temp", "curr",
                          "power", "energy", "humidity", "intrusion", "freq"})
_FILENAME = re.compile(r"^([^0-9]+)([0-9]*)(?:_(.+))?$")
_INVALID = re.compile(r"[^a-z0-9:_]")
LABELS = ("chip", "sensor")


def clean_name(name: str) -> str:
    return _INVALID.sub("_", name.lower()).strip("_")


# filename → (sensor, element), or None for a file that is not a sensor's: parsed once per name.
_parsed: dict[str, tuple[str, str] | None] = {}


def _parse(filename: str) -> tuple[str, str] | None:
    if filename not in _parsed:
        m = _FILENAME.match(filename)
        ok = m is not None and m.group(1) in SENSOR_TYPES
        _parsed[filename] = (m.group(1) + str(int(m.group(2) or 0)), m.group(3) or "") if ok and m else None
    return _parsed[filename]


def _read_at(dir_fd: int, filename: str) -> str | None:
    """A file of the directory open as dir_fd (no path to join and resolve), stripped; None if unreadable."""
    try:
        fd = os.open(filename, os.O_RDONLY | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        return os.read(fd, 4096).decode("utf-8", "replace").strip()
    except OSError:
        return None
    finally:
        os.close(fd)


def sensor_data(directory: str, data: dict[str, dict[str, str]], files: KeptFiles | None = None) -> None:
    """Add `{sensor: {element: raw value}}` from one directory's `<type><n>_<element>` files.

    With `files`, through descriptors kept open in a group per directory (dropped when the
    directory is another inode: the chip's driver reloaded); the directory is listed every time."""
    if files is not None:
        files.check(directory, directory)
        names = [f for f in os.listdir(directory) if _parse(f) is not None]
        for filename, raw in zip(names, files.read_many(directory, [f"{directory}/{f}" for f in names], ANY_ERROR),
                                 strict=True):
            if raw is not None:
                sensor, element = _parse(filename)  # type: ignore[misc]  # not None: filtered above
                data.setdefault(sensor, {})[element] = raw.decode("utf-8", "replace").strip()
        return
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for filename in os.listdir(dir_fd):
            parsed = _parse(filename)
            if parsed is None:
                continue
            value = _read_at(dir_fd, filename)
            if value is not None:
                data.setdefault(parsed[0], {})[parsed[1]] = value
    finally:
        os.close(dir_fd)


def base_name(directory: str) -> str:
    device = os.path.join(directory, "device")
    if os.path.exists(device):
        real = os.path.realpath(device)
        dev_name = clean_name(os.path.basename(real))
        dev_type = clean_name(os.path.basename(os.path.dirname(real)))
        if dev_type and dev_name:
            return f"{dev_type}_{dev_name}"
        if dev_name:
            return dev_name
    name = clean_name(read_stripped(os.path.join(directory, "name")) or "")
    return name or clean_name(os.path.basename(os.path.realpath(directory)))


class Families:
    """The families of one collection, created as their names first appear."""

    def __init__(self) -> None:
        self.by_name: dict[str, Family] = {}

    def add(self, name: str, help_text: str, labels: list[str], value: float, counter: bool = False,
            names: tuple[str, ...] = LABELS) -> None:
        fam = self.by_name.get(name)
        if fam is None:
            cls = CounterFamily if counter else GaugeFamily
            fam = self.by_name[name] = cls(name, help_text, labels=names)
        fam.add_metric(labels, value)


def _element(out: Families, chip: str, sensor: str, stype: str, data: dict[str, str], element: str,
             raw: str) -> None:
    name = f"node_hwmon_{stype}"
    if element == "input":
        if "" in data:
            name += "_input"
    elif element:
        name += "_" + clean_name(element)
    try:
        value = float(raw)
    except ValueError:
        return
    labels = [chip, sensor]
    if element in ("fault", "alarm"):
        out.add(name, f"Hardware sensor {element} status ({stype})", labels, value)
    elif element == "beep":
        out.add(name + "_enabled", "Hardware monitor sensor has beeping enabled", labels, value)
    elif stype in ("in", "cpu"):
        out.add(name + "_volts", f"Hardware monitor for voltage ({element})", labels, value * 0.001)
    elif stype == "temp" and element != "type":
        out.add(name + "_celsius", f"Hardware monitor for temperature ({element or 'input'})", labels,
                value * 0.001)
    elif stype == "curr":
        out.add(name + "_amps", f"Hardware monitor for current ({element})", labels, value * 0.001)
    elif stype == "energy":
        out.add(name + "_joule", f"Hardware monitor for joules used so far ({element})", labels, value / 1e6,
                counter=True)
    elif stype == "power" and element == "accuracy":
        out.add(name, "Hardware monitor power meter accuracy, as a ratio", labels, value / 1e6)
    elif stype == "power" and element in ("average_interval", "average_interval_min", "average_interval_max"):
        out.add(name + "_seconds", f"Hardware monitor power usage update interval ({element})", labels,
                value * 0.001)
    elif stype == "power":
        out.add(name + "_watt", f"Hardware monitor for power usage in watts ({element})", labels, value / 1e6)
    elif stype == "humidity":
        out.add(name, "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a "
                f"percentage) ({element})", labels, value / 1e6)
    elif stype == "fan" and element in ("input", "min", "max", "target"):
        out.add(name + "_rpm", f"Hardware monitor for fan revolutions per minute ({element})", labels, value)
    elif stype == "freq" and element == "input" and "label" in data:
        out.add(name + "_freq_mhz", "Hardware monitor for GPU frequency in MHz", [chip, clean_name(data["label"])],
                value / 1e6)
    else:
        out.add(name, f"Hardware monitor {stype} element {element}", labels, value)


def chip_families(out: Families, chip: str, directory: str, chip_name: str, sensors: IncludeExclude,
                  files: KeptFiles | None = None, seen: set[str] | None = None) -> None:
    data: dict[str, dict[str, str]] = {}
    sensor_data(directory, data, files)
    device = os.path.join(directory, "device")
    if os.path.isdir(device):
        sensor_data(device, data, files)
        if seen is not None:
            seen.add(device)
    if seen is not None:
        seen.add(directory)
    if chip_name:
        out.add("node_hwmon_chip_names", "Annotation metric for human-readable chip names", [chip, chip_name], 1.0,
                names=("chip", "chip_name"))
    for sensor, values in data.items():
        if not sensors.wanted(f"{chip};{sensor}"):
            continue
        stype = _FILENAME.match(sensor).group(1)  # type: ignore[union-attr]
        if "label" in values:
            out.add("node_hwmon_sensor_label", "Label for given chip and sensor", [chip, sensor, values["label"]], 1.0,
                    names=("chip", "sensor", "label"))
        if stype == "beep_enable":
            out.add("node_hwmon_beep_enabled", "Hardware beep enabled", [chip, sensor],
                    1.0 if values.get("") == "1" else 0.0)
            continue
        if stype in ("vrm", "update_interval"):
            try:
                value = float(values.get("", ""))
            except ValueError:
                continue
            if stype == "vrm":
                out.add("node_hwmon_voltage_regulator_version", "Hardware voltage regulator", [chip, sensor], value)
            else:
                out.add("node_hwmon_update_interval_seconds", "Hardware monitor update interval", [chip, sensor],
                        value * 0.001)
            continue
        for element, raw in values.items():
            if element != "label":
                _element(out, chip, sensor, stype, values, element, raw)


class Hwmon:
    def __init__(self, paths: HostPaths, config: HwmonConfig) -> None:
        self._root = paths.sys("class", "hwmon")
        self._chips = IncludeExclude(config.chip_include, config.chip_exclude)
        self._sensors = IncludeExclude(config.sensor_include, config.sensor_exclude)

        # The chips' names for one listing of /sys/class/hwmon: they hang on device links and
        # name files that change only with the hwmonN entries themselves (a driver (re)load).
        self._listing: list[str] | None = None
        self._chips_named: list[tuple[str, str, str]] = []  # (directory, chip label, chip_name)
        self._files = KeptFiles()  # the sensor files, one group per chip (and device) directory

    def _name_chips(self, entries: list[str]) -> list[tuple[str, str, str]]:
        dirs = [d for d in (os.path.join(self._root, e) for e in entries) if os.path.isdir(d)]
        bases = [base_name(d) for d in dirs]
        named = []
        for directory, name in zip(dirs, bases, strict=True):
            own = clean_name(read_stripped(os.path.join(directory, "name")) or "")
            if bases.count(name) > 1 and own:  # chips sharing one device: tell them apart by their name file
                name = f"{name}_{own}"
            named.append((directory, name, own))
        return named

    def __call__(self) -> list[Family]:
        entries = sorted(os.listdir(self._root))
        if entries != self._listing:
            self._chips_named = self._name_chips(entries)
            self._listing = entries
        out = Families()
        seen: set[str] = set()
        for directory, name, chip_name in self._chips_named:
            if self._chips.wanted(name):
                try:
                    chip_families(out, name, directory, chip_name, self._sensors, self._files, seen)
                except FileNotFoundError:  # the chip went away since it was named: name them again next time
                    self._listing = None
        self._files.retain(seen)
        return list(out.by_name.values())

    def close(self) -> None:
        self._files.close()


def make(ctx: CollectorContext) -> Hwmon:
    return Hwmon(ctx.paths, ctx.config.hwmon)
