"""node_exporter's `cpu_vulnerabilities` collector (off by default): /sys/devices/system/cpu/vulnerabilities.

One node_cpu_vulnerabilities_info{codename,state,mitigation} per file: the
kernel's verdict ("not affected", "vulnerable", "mitigation") and its text.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from exporter.exposition.families import GaugeFamily
from exporter.host.context import CollectorContext
from exporter.host.paths import HostPaths
from exporter.host.sysfs import list_dir, read_stripped


def verdict(text: str) -> tuple[str, str]:
    """(state, mitigation) of one vulnerability file, as node_exporter's procfs library reads it."""
    if text.startswith("Not affected"):
        return "not affected", ""
    if text.startswith("Vulnerable"):
        return "vulnerable", text[len("Vulnerable"):].removeprefix(": ")
    if text.startswith("Mitigation"):
        return "mitigation", text.removeprefix("Mitigation: ")
    return "unknown", ""


def read_vulnerabilities(paths: HostPaths) -> list[GaugeFamily]:
    root = paths.sys("devices", "system", "cpu", "vulnerabilities")
    fam = GaugeFamily(
        "node_cpu_vulnerabilities_info",
        "Details of each CPU vulnerability reported by sysfs. The value of the series is an int encoded state "
        "of the vulnerability. The same state is stored as a string in the label",
        labels=["codename", "state", "mitigation"],
    )
    for codename in list_dir(root):
        text = read_stripped(os.path.join(root, codename))
        if text is not None:
            fam.add_metric([codename, *verdict(text)], 1.0)
    return [fam]


def make(ctx: CollectorContext) -> Callable[[], list[GaugeFamily]]:
    return lambda: read_vulnerabilities(ctx.paths)
