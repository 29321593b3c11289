"""node_exporter's `diskstats` collector: /proc/diskstats per device, with udev and sysfs details.

One read of /proc/diskstats gives the typed Disk rows the page, rates and
history use, and node_exporter's whole set of families: the 11 classic
counters, discards (kernel 4.18+) and flushes (5.5+) where the line has them,
node_disk_info (udev's path, WWN, model, serial, revision; sysfs' rotational),
node_disk_filesystem_info, node_disk_device_mapper_info and the ATA write-cache
and rotation-rate gauges. udev's database is read at <root>/run/udev/data
(node_exporter's --path.udev.data); a device without an entry has empty labels.
"""

from __future__ import annotations

import os
import re

from prometheus_client.metrics_core import Metric

from exporter.config import DiskIOConfig
from exporter.exposition.families import CounterFamily, GaugeFamily, Row
from exporter.host.context import Collected, CollectorContext
from exporter.host.kept_files import ProcFiles, keeps
from exporter.host.paths import HostPaths, read_text
from exporter.host.sysfs import read_stripped
from exporter.sampling.snapshot import Disk

SECTOR_BYTES = 512  # the kernel always counts 512-byte sectors here
UDEV_DATA = "/run/udev/data"

# /proc/diskstats fields after major, minor, name: (family, help, scale); None scale = a gauge.
_FIELDS: tuple[tuple[str, str, float | None], ...] = (
    ("node_disk_reads_completed", "The total number of reads completed successfully.", 1.0),
    ("node_disk_reads_merged", "The total number of reads merged.", 1.0),
    ("node_disk_read_bytes", "The total number of bytes read successfully.", SECTOR_BYTES),
    ("node_disk_read_time_seconds", "The total number of seconds spent by all reads.", 0.001),
    ("node_disk_writes_completed", "The total number of writes completed successfully.", 1.0),
    ("node_disk_writes_merged", "The number of writes merged.", 1.0),
    ("node_disk_written_bytes", "The total number of bytes written successfully.", SECTOR_BYTES),
    ("node_disk_write_time_seconds", "This is the total number of seconds spent by all writes.", 0.001),
    ("node_disk_io_now", "The number of I/Os currently in progress.", None),
    ("node_disk_io_time_seconds", "Total seconds spent doing I/Os.", 0.001),
    ("node_disk_io_time_weighted_seconds", "The weighted # of seconds spent doing I/Os.", 0.001),
    ("node_disk_discards_completed", "The total number of discards completed successfully.", 1.0),
    ("node_disk_discards_merged", "The total number of discards merged.", 1.0),
    ("node_disk_discarded_sectors", "The total number of sectors discarded successfully.", 1.0),
    ("node_disk_discard_time_seconds", "This is the total number of seconds spent by all discards.", 0.001),
    ("node_disk_flush_requests", "The total number of flush requests completed successfully", 1.0),
    ("node_disk_flush_requests_time_seconds", "This is the total number of seconds spent by all flush requests.",
     0.001),
)
_SCALES = tuple(scale or 1.0 for _n, _h, scale in _FIELDS)
_MAX_NAMES = 4096  # a bound on the filter's memo (device names), against a leak only
_INFO_LABELS = ["device", "major", "minor", "path", "wwn", "model", "serial", "revision", "rotational"]
_ATA = (
    ("ID_ATA_WRITE_CACHE", "node_disk_ata_write_cache", "ATA disk has a write cache."),
    ("ID_ATA_WRITE_CACHE_ENABLED", "node_disk_ata_write_cache_enabled", "ATA disk has its write cache enabled."),
    ("ID_ATA_ROTATION_RATE_RPM", "node_disk_ata_rotation_rate_rpm", "ATA disk rotation rate in RPMs (0 for SSDs)."),
)


def udev_properties(paths: HostPaths, major: str, minor: str) -> dict[str, str]:
    """The E: properties of udev's database entry for a block device ({} without one)."""
    try:
        text = read_text(paths.rootfs(f"{UDEV_DATA}/b{major}:{minor}"))
    except OSError:
        return {}
    props = {}
    for line in text.splitlines():
        if line.startswith("E:"):
            key, _, value = line[2:].partition("=")
            props[key] = value
    return props


class UdevData:
    """udev's entries by device number, parsed again only when the file is another one.

    udev writes an entry to a temporary file and renames it over the old one, so a changed entry
    is a new inode (with its own size and times): one stat() per device and collection tells
    whether the parsed properties still hold, where open + read + parse cost about ten times as
    much. The key is (device, inode, size, mtime, ctime): an entry rewritten in place with the
    same size within one timestamp tick (never udev's way) would be missed until it changes again."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths
        self._parsed: dict[str, tuple[tuple[int, ...], dict[str, str]]] = {}
        self._seen: set[str] = set()

    def properties(self, major: str, minor: str) -> dict[str, str]:
        path = self._paths.rootfs(f"{UDEV_DATA}/b{major}:{minor}")
        self._seen.add(path)
        try:
            st = os.stat(path)
        except OSError:
            self._parsed.pop(path, None)
            return {}
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        kept = self._parsed.get(path)
        if kept is not None and kept[0] == key:
            return kept[1]
        props = udev_properties(self._paths, major, minor)  # read after the stat: never older than it
        self._parsed[path] = (key, props)
        return props

    def retain_seen(self) -> None:
        """Forget the entries of devices not asked for since the last call."""
        for path in [p for p in self._parsed if p not in self._seen]:
            del self._parsed[path]
        self._seen = set()


class DiskStats:
    def __init__(self, paths: HostPaths, config: DiskIOConfig) -> None:
        self._paths = paths
        self._include = re.compile(config.device_include) if config.device_include else None
        self._exclude = re.compile(config.device_exclude)
        # (device, major, minor) → sysfs' queue/rotational: fixed for a device node, read once.
        self._rotational: dict[tuple[str, str, str], str] = {}
        # /proc/diskstats kept open (udev's files are replaced, not rewritten: opened each time)
        self._files = ProcFiles(keeps(paths))
        self._udev = UdevData(paths)
        # The info families (udev and rotational labels) of the last collection and what they came
        # from: handed out again, rendered once, while every device's labels are the same.
        self._info_inputs: list[tuple[str, str, str, str, dict[str, str]]] | None = None
        self._info_families: list[Metric] = []
        # Per counter of _FIELDS, the family of the last collection: handed out again (rendered
        # once) while every device's value of that counter is the same, as an idle disk's are;
        # a value that moved makes a new family. Every line is read at every collection.
        self._counter_families: list[GaugeFamily | CounterFamily | None] = [None] * len(_FIELDS)
        # device → (its last line, the Disk and counter values parsed from it): an idle device's
        # line is the same text, so it is not parsed again.
        self._parsed: dict[str, tuple[str, Disk, list[float]]] = {}
        self._wanted_names: dict[str, bool] = {}  # the filter's answer per device name (fixed config)

    def _wanted(self, device: str) -> bool:
        wanted = self._wanted_names.get(device)
        if wanted is None:
            if self._include is not None:
                wanted = bool(self._include.search(device))
            else:
                wanted = not self._exclude.search(device)
            if len(self._wanted_names) >= _MAX_NAMES:
                self._wanted_names.clear()
            self._wanted_names[device] = wanted
        return wanted

    def __call__(self) -> Collected:
        field_rows: list[list[Row]] = [[] for _ in _FIELDS]
        disks = []
        inputs = []
        known, self._rotational = self._rotational, {}  # devices gone since are forgotten
        parsed, self._parsed = self._parsed, {}
        for line in self._files.text(self._paths.proc("diskstats")).splitlines():
            p = line.split()
            if len(p) < 14 or not self._wanted(p[2]):
                continue
            major, minor, dev = p[0], p[1], p[2]
            last = parsed.get(dev)
            if last is not None and last[0] == line:  # an idle device: the same numbers as last time
                disk, values = last[1], last[2]
            else:
                n = [int(x) for x in p[3:]]
                values = [value * scale for scale, value in zip(_SCALES, n, strict=False)]
                disk = Disk(dev, n[0], n[1], n[2] * SECTOR_BYTES, n[3] / 1000.0, n[4], n[5],
                            n[6] * SECTOR_BYTES, n[7] / 1000.0, n[8], n[9] / 1000.0, n[10] / 1000.0)
            self._parsed[dev] = (line, disk, values)
            labels = [dev]
            for rows, value in zip(field_rows, values, strict=False):
                rows.append((labels, value))
            disks.append(disk)
            rotational = known.get((dev, major, minor))
            if rotational is None:
                rotational = read_stripped(self._paths.sys("block", dev, "queue", "rotational")) or "0"
            self._rotational[(dev, major, minor)] = rotational
            inputs.append((dev, major, minor, rotational, self._udev.properties(major, minor)))
        self._udev.retain_seen()
        if inputs != self._info_inputs:
            self._info_families = _info_families(inputs)
            self._info_inputs = inputs
        families: list[Metric] = []
        for i, rows in enumerate(field_rows):
            fam = self._counter_families[i]
            if fam is None or fam.rows != rows:
                name, help_text, scale = _FIELDS[i]
                fam = (GaugeFamily if scale is None else CounterFamily)(name, help_text, labels=["device"])
                fam.rows = rows
                fam.reused = True
                self._counter_families[i] = fam
            if rows:
                families.append(fam)
        families += self._info_families
        return Collected(tuple(disks), families)

    def close(self) -> None:
        self._files.close()


def _info_families(inputs: list[tuple[str, str, str, str, dict[str, str]]]) -> list[Metric]:
    """node_disk_info, the filesystem and device-mapper info and the ATA gauges, marked reused."""
    info = GaugeFamily("node_disk_info", "Info of /sys/block/<block_device>.", labels=_INFO_LABELS)
    fs_info = GaugeFamily(
        "node_disk_filesystem_info", "Info about disk filesystem.",
        labels=["device", "type", "usage", "uuid", "version"],
    )
    dm_info = GaugeFamily(
        "node_disk_device_mapper_info", "Info about disk device mapper.",
        labels=["device", "name", "uuid", "vg_name", "lv_name", "lv_layer"],
    )
    ata = [(key, GaugeFamily(name, help_text, labels=["device"])) for key, name, help_text in _ATA]
    for dev, major, minor, rotational, props in inputs:
        g = props.get
        info.add_metric([dev, major, minor, g("ID_PATH", ""), g("ID_WWN", ""), g("ID_MODEL", ""),
                         g("SCSI_IDENT_SERIAL") or g("ID_SERIAL_SHORT") or g("ID_SERIAL", ""), g("ID_REVISION", ""),
                         rotational], 1.0)
        if g("ID_FS_TYPE"):
            fs_info.add_metric([dev, g("ID_FS_TYPE", ""), g("ID_FS_USAGE", ""), g("ID_FS_UUID", ""),
                                g("ID_FS_VERSION", "")], 1.0)
        if g("DM_NAME"):
            dm_info.add_metric([dev, g("DM_NAME", ""), g("DM_UUID", ""), g("DM_VG_NAME", ""),
                                g("DM_LV_NAME", ""), g("DM_LV_LAYER", "")], 1.0)
        if g("ID_ATA"):
            for key, fam in ata:
                try:
                    fam.add_metric([dev], float(props[key]))
                except (KeyError, ValueError):
                    continue
    families: list[GaugeFamily] = [info, fs_info, dm_info]
    families += [fam for _key, fam in ata if fam.rows]
    for fam in families:
        fam.reused = True
    return list(families)


def read_disks(paths: HostPaths, config: DiskIOConfig) -> tuple[Disk, ...]:
    """The typed rows alone."""
    reader = DiskStats(paths, config)
    try:
        disks: tuple[Disk, ...] = reader().value
    finally:
        reader.close()
    return disks


def make(ctx: CollectorContext) -> DiskStats:
    return DiskStats(ctx.paths, ctx.config.diskio)
