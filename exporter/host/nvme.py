"""node_exporter's `nvme` collector: NVMe controllers and namespaces from /sys/class/nvme."""

from __future__ import annotations

import glob
import os
from functools import partial

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptFiles, KeptFilesReader
from exporter.host.paths import HostPaths

_NS = ["device", "nsid"]


def read_nvme(paths: HostPaths, files: KeptFiles | None = None) -> list[GaugeFamily]:
    """With `files`, the attributes are read through descriptors kept open, one group per
    controller (dropped when its entry is another inode); controllers and namespaces are listed
    at every collection."""
    root = paths.sys("class", "nvme")
    kept = files if files is not None else KeptFiles()
    info = GaugeFamily("node_nvme_info", "Non-numeric data from /sys/class/nvme/<device>, value is always 1.",
                       labels=["device", "firmware_revision", "model", "serial", "state", "cntlid"])
    ns_info = GaugeFamily("node_nvme_namespace_info", "Information about NVMe namespaces. Value is always 1",
                          labels=[*_NS, "ana_state"])
    capacity = GaugeFamily("node_nvme_namespace_capacity_bytes", "Capacity of the NVMe namespace in bytes. "
                           "Computed as namespace_size * namespace_logical_block_size", labels=_NS)
    size = GaugeFamily("node_nvme_namespace_size_bytes", "Size of the NVMe namespace in bytes. Available in "
                       "/sys/class/nvme/<device>/<namespace>/size", labels=_NS)
    used = GaugeFamily("node_nvme_namespace_used_bytes", "Used space of the NVMe namespace in bytes. Available in "
                       "/sys/class/nvme/<device>/<namespace>/nuse", labels=_NS)
    block = GaugeFamily("node_nvme_namespace_logical_block_size_bytes", "Logical block size of the NVMe namespace "
                        "in bytes. Usually 4Kb. Available in /sys/class/nvme/<device>/<namespace>/queue/"
                        "logical_block_size", labels=_NS)
    with os.scandir(root) as it:  # FileNotFoundError: no nvme class here
        entries = sorted((e.name, e.inode()) for e in it)
    for device, ino in entries:
        d = os.path.join(root, device)
        kept.check(device, d, ino)
        read_stripped, read_float = partial(kept.stripped, device), partial(kept.number, device)
        attrs = [read_stripped(os.path.join(d, f)) or "" for f in ("firmware_rev", "model", "serial", "state",
                                                                    "cntlid")]
        info.add_metric([device, *attrs], 1.0)
        for ns_dir in sorted(glob.glob(os.path.join(d, f"{device}n[0-9]*"))):
            nsid = os.path.basename(ns_dir)[len(device) + 1:]
            lbs = read_float(os.path.join(ns_dir, "queue", "logical_block_size"))
            sectors = read_float(os.path.join(ns_dir, "size"))
            nuse = read_float(os.path.join(ns_dir, "nuse"))
            if lbs is None or sectors is None or nuse is None:
                continue
            labels = [device, nsid]
            ns_info.add_metric([*labels, read_stripped(os.path.join(ns_dir, "ana_state")) or ""], 1.0)
            # node_exporter multiplies `size` by the logical block size: kept, so the values are identical.
            capacity.add_metric(labels, sectors * lbs)
            size.add_metric(labels, sectors * lbs)
            used.add_metric(labels, nuse * lbs)
            block.add_metric(labels, lbs)
    kept.retain({device for device, _ino in entries})
    if files is None:
        kept.close()
    return [info, ns_info, capacity, size, used, block]


def make(ctx: CollectorContext) -> KeptFilesReader[list[GaugeFamily]]:
    return KeptFilesReader(lambda files: read_nvme(ctx.paths, files))
