"""node_exporter's `edac` collector: memory controller error counts from /sys/devices/system/edac/mc."""

from __future__ import annotations

import glob
import os
import re
from functools import partial

from exporter.exposition.families import CounterFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptFiles, KeptFilesReader
from exporter.host.paths import HostPaths
from exporter.host.sysfs import list_dir

_CHANNEL = re.compile(r"^ch(\d+)_ce_count$")


def dimm_label(raw: str | None) -> str:
    """node_exporter's form of the kernel's label: "mc#0csrow#1channel#0" → "mc0_csrow1_channel0"."""
    if raw is None:
        return "unknown"
    return raw.replace("#", "").replace("csrow", "_csrow").replace("channel", "_channel")


def read_edac(paths: HostPaths, files: KeptFiles | None = None) -> list[CounterFamily]:
    """The counters of every memory controller; with `files`, read through descriptors kept open,
    one group per controller directory (dropped when it is another inode: the driver reloaded).
    The controllers, csrows and channels are listed at every collection."""
    root = paths.sys("devices", "system", "edac", "mc")
    kept = files if files is not None else KeptFiles()
    seen = set()
    ce = CounterFamily("node_edac_correctable_errors", "Total correctable memory errors.", labels=["controller"])
    ue = CounterFamily("node_edac_uncorrectable_errors", "Total uncorrectable memory errors.",
                       labels=["controller"])
    row = ["controller", "csrow"]
    row_ce = CounterFamily("node_edac_csrow_correctable_errors", "Total correctable memory errors for this csrow.",
                           labels=row)
    row_ue = CounterFamily("node_edac_csrow_uncorrectable_errors",
                           "Total uncorrectable memory errors for this csrow.", labels=row)
    chan = [*row, "channel", "dimm_label"]
    ch_ce = CounterFamily("node_edac_channel_correctable_errors",
                          "Total correctable memory errors for this channel.", labels=chan)
    ch_ue = CounterFamily("node_edac_channel_uncorrectable_errors",
                          "Total uncorrectable memory errors for this channel.", labels=chan)
    for mc in list_dir(root):
        if not re.fullmatch(r"mc\d+", mc):
            continue
        d, controller = os.path.join(root, mc), mc[2:]
        try:
            kept.check(mc, d)
        except FileNotFoundError:  # removed since the listing: nothing of it to read, as before
            continue
        seen.add(mc)
        read_float, read_stripped = partial(kept.number, mc), partial(kept.stripped, mc)
        for fam, filename in ((ce, "ce_count"), (ue, "ue_count")):
            value = read_float(os.path.join(d, filename))
            if value is not None:
                fam.add_metric([controller], value)
        for fam, filename in ((row_ce, "ce_noinfo_count"), (row_ue, "ue_noinfo_count")):
            value = read_float(os.path.join(d, filename))
            if value is not None:
                fam.add_metric([controller, "unknown"], value)
        for csrow_dir in sorted(glob.glob(os.path.join(d, "csrow[0-9]*"))):
            csrow = os.path.basename(csrow_dir)[len("csrow"):]
            for fam, filename in ((row_ce, "ce_count"), (row_ue, "ue_count")):
                value = read_float(os.path.join(csrow_dir, filename))
                if value is not None:
                    fam.add_metric([controller, csrow], value)
            for entry in sorted(os.listdir(csrow_dir)):
                m = _CHANNEL.match(entry)
                if m is None:
                    continue
                channel = m.group(1)
                label = dimm_label(read_stripped(os.path.join(csrow_dir, f"ch{channel}_dimm_label")))
                for fam, filename in ((ch_ce, f"ch{channel}_ce_count"), (ch_ue, f"ch{channel}_ue_count")):
                    value = read_float(os.path.join(csrow_dir, filename))
                    if value is not None:
                        fam.add_metric([controller, csrow, channel, label], value)
    kept.retain(seen)
    if files is None:
        kept.close()
    return [ce, ue, row_ce, row_ue, ch_ce, ch_ue]


def make(ctx: CollectorContext) -> KeptFilesReader[list[CounterFamily]]:
    return KeptFilesReader(lambda files: read_edac(ctx.paths, files))
