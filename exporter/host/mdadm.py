"""node_exporter's `mdadm` collector: software RAID state from /proc/mdstat and /sys/block/md*/md.

/proc/mdstat gives, per array, its disks (active, failed, spare, required), its
size and sync progress and its activity state; sysfs gives raid_disks and
degraded. The parse follows the procfs library node_exporter uses, so arrays
in the middle of a resync, a recovery or a check read the same.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import ProcFiles, Text
from exporter.host.paths import HostPaths, read_text
from exporter.host.sysfs import read_float

_STATUS = re.compile(r"(\d+) blocks .*\[(\d+)/(\d+)\] \[([U_]+)\]")
_SYNCED = re.compile(r"\((\d+)/(\d+)\)")
STATES = (("active", "active"), ("inactive", "inactive"), ("recovering", "recovering"), ("resyncing", "resync"),
          ("checking", "check"))


@dataclass(frozen=True)
class MDStat:
    name: str
    state: str
    active: int
    failed: int
    spare: int
    total: int
    blocks: int
    synced: int


def _status(device_line: str, status_line: str) -> tuple[int, int, int]:
    """(active, total, size in blocks) of one array."""
    size = int(status_line.split()[0])
    if "raid0" in device_line or "linear" in device_line:
        total = device_line.count("[")
        return total, total, size
    if "inactive" in device_line:
        return 0, 0, size
    m = _STATUS.search(status_line)
    if m is None:
        raise ValueError(f"mdstat: cannot parse status line {status_line!r}")
    return int(m.group(3)), int(m.group(2)), size


def parse_mdstat(text: str) -> list[MDStat]:
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        if not line.strip() or line[0] == " " or line.startswith(("Personalities", "unused")):
            continue
        fields = line.split()
        if len(fields) < 3 or len(lines) <= i + 3:
            raise ValueError(f"mdstat: cannot parse {line!r}")
        state = fields[2]
        active, total, size = _status(line, lines[i + 1])
        sync_line = lines[i + 3] if "bitmap" in lines[i + 2] else lines[i + 2]
        synced = size
        for word, sync_state in (("recovery", "recovering"), ("check", "checking"), ("resync", "resyncing")):
            if word in sync_line:
                state = sync_state
                if "PENDING" in sync_line or "DELAYED" in sync_line:
                    synced = 0
                else:
                    m = _SYNCED.search(sync_line)
                    if m is None:
                        raise ValueError(f"mdstat: cannot parse sync line {sync_line!r}")
                    synced = int(m.group(1))
                break
        out.append(MDStat(fields[0], state, active, line.count("(F)"), line.count("(S)"), total, size, synced))
    return out


def read_mdadm(paths: HostPaths, text: Text = read_text) -> list[GaugeFamily]:
    return MdAdm(paths, text)()


class MdAdm:
    """/proc/mdstat (kept open) and each array's raid_disks and degraded, read at every collection;
    the families (ten state rows per array) are built again only when something read differs from
    the last collection, and are otherwise the same objects, rendered once."""

    def __init__(self, paths: HostPaths, text: Text | None = None) -> None:
        self._paths = paths
        self._proc = ProcFiles() if text is None else None
        self._text = text if text is not None else self._proc.text  # type: ignore[union-attr]
        self._inputs: tuple[str, list[tuple[str, float | None, float | None]]] | None = None
        self._families: list[GaugeFamily] = []

    def __call__(self) -> list[GaugeFamily]:
        mdstat = self._text(self._paths.proc("mdstat"))
        md_dirs = []
        for md in sorted(glob.glob(self._paths.sys("block", "md*", "md"))):
            md_dirs.append((os.path.basename(os.path.dirname(md)), read_float(os.path.join(md, "raid_disks")),
                            read_float(os.path.join(md, "degraded"))))
        inputs = (mdstat, md_dirs)
        if inputs != self._inputs:
            self._families = _families(parse_mdstat(mdstat), md_dirs)
            self._inputs = inputs
        return self._families

    def close(self) -> None:
        if self._proc is not None:
            self._proc.close()


def _families(arrays: list[MDStat], md_dirs: list[tuple[str, float | None, float | None]]) -> list[GaugeFamily]:
    dev = ["device"]
    required = GaugeFamily("node_md_disks_required", "Total number of disks of device.", labels=dev)
    disks = GaugeFamily("node_md_disks", "Number of active/failed/spare disks of device.", labels=["device", "state"])
    states = GaugeFamily("node_md_state", "Indicates the state of md-device.", labels=["device", "state"])
    blocks = GaugeFamily("node_md_blocks", "Total number of blocks on device.", labels=dev)
    synced = GaugeFamily("node_md_blocks_synced", "Number of blocks synced on device.", labels=dev)
    for a in arrays:
        required.add_metric([a.name], float(a.total))
        for state, n in (("active", a.active), ("failed", a.failed), ("spare", a.spare)):
            disks.add_metric([a.name, state], float(n))
        for value, label in STATES:
            states.add_metric([a.name, label], 1.0 if a.state == value else 0.0)
        blocks.add_metric([a.name], float(a.blocks))
        synced.add_metric([a.name], float(a.synced))
    raid_disks = GaugeFamily("node_md_raid_disks", "Number of raid disks on device.", labels=dev)
    degraded = GaugeFamily("node_md_degraded", "Number of degraded disks on device.", labels=dev)
    for name, count, degraded_count in md_dirs:
        if count is None:
            continue
        raid_disks.add_metric([name], count)
        degraded.add_metric([name], degraded_count or 0.0)
    fams = [required, disks, states, blocks, synced, raid_disks, degraded]
    for fam in fams:
        fam.reused = True
    return fams


def make(ctx: CollectorContext) -> MdAdm:
    return MdAdm(ctx.paths)
