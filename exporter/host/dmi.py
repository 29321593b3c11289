"""node_exporter's `dmi` collector: node_dmi_info from /sys/class/dmi/id.

DMI data is fixed at boot, so it is read once; a label appears for each file
that exists (root-only files such as product_serial are missing for others).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from prometheus_client.metrics_core import Metric

from exporter.host.context import CollectorContext
from exporter.host.sysfs import read_stripped

# (label, file in /sys/class/dmi/id)
FIELDS = tuple((f, f) for f in (
    "bios_date", "bios_release", "bios_vendor", "bios_version", "board_asset_tag", "board_name", "board_serial",
    "board_vendor", "board_version", "chassis_asset_tag", "chassis_serial", "chassis_vendor", "chassis_version",
    "product_family", "product_name", "product_serial", "product_sku", "product_uuid", "product_version",
)) + (("system_vendor", "sys_vendor"),)


def make(ctx: CollectorContext) -> Callable[[], list[Metric]]:
    root = ctx.paths.sys("class", "dmi", "id")
    cached: list[Metric] = []

    def collect() -> list[Metric]:
        if not cached:
            if not os.path.isdir(root):
                raise FileNotFoundError(2, "no DMI data", root)
            labels = {}
            for label, filename in FIELDS:
                value = read_stripped(os.path.join(root, filename))
                if value is not None:
                    labels[label] = value
            info = Metric("node_dmi_info", "A metric with a constant '1' value labeled by bios_date, bios_release, "
                          "bios_vendor, bios_version, board_asset_tag, board_name, board_serial, board_vendor, "
                          "board_version, chassis_asset_tag, chassis_serial, chassis_vendor, chassis_version, "
                          "product_family, product_name, product_serial, product_sku, product_uuid, "
                          "product_version, system_vendor if provided by DMI.", "gauge")
            info.add_sample("node_dmi_info", labels, 1.0)
            cached.append(info)
        return cached

    return collect
