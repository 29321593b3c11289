"""node_exporter's `netstat` collector: /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6.

Every "Protocol_Field" counter whose key matches `netstat.fields` (node_exporter's
default regex: TCP/UDP errors, retransmits, listen drops, syncookies, octets...)
becomes an untyped node_netstat_<Protocol>_<Field>, as node_exporter exports them.
snmp6 is optional (absent with IPv6 disabled), as there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from exporter.exposition.families import UntypedFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import KeptReader, Text
from exporter.host.paths import HostPaths, read_text


def _pairs(text: str) -> Iterator[tuple[str, str, str]]:
    """(protocol, field, value) from the header/value line pairs of /proc/net/{netstat,snmp}."""
    lines = text.splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        keys, vals = names.split(), values.split()
        if len(keys) != len(vals):
            raise ValueError(f"field count mismatch for {keys[0] if keys else '?'}")
        protocol = keys[0].rstrip(":")
        for key, value in zip(keys[1:], vals[1:], strict=True):
            yield protocol, key, value


def _snmp6(text: str) -> Iterator[tuple[str, str, str]]:
    """(protocol, field, value) from /proc/net/snmp6's "Ip6InReceives 7" lines (split after the "6")."""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        six = parts[0].find("6")
        if six != -1:
            yield parts[0][: six + 1], parts[0][six + 1 :], parts[1]


class FieldFilter:
    """`netstat.fields` decided once per key: the kernel's keys are the same at every scrape."""

    def __init__(self, pattern: str) -> None:
        self._search = re.compile(pattern).search
        self._decided: dict[str, bool] = {}

    def search(self, key: str) -> bool:
        wanted = self._decided.get(key)
        if wanted is None:
            wanted = self._decided[key] = bool(self._search(key))
        return wanted


def read_netstat(
    paths: HostPaths, fields: FieldFilter | re.Pattern[str], text: Text = read_text
) -> list[UntypedFamily]:
    stats: dict[tuple[str, str], str] = {}
    for protocol, key, value in _pairs(text(paths.proc("net", "netstat"))):
        stats[(protocol, key)] = value
    for protocol, key, value in _pairs(text(paths.proc("net", "snmp"))):
        stats[(protocol, key)] = value
    try:
        snmp6 = text(paths.proc("net", "snmp6"))
    except FileNotFoundError:  # IPv6 disabled
        snmp6 = ""
    for protocol, key, value in _snmp6(snmp6):
        stats[(protocol, key)] = value
    fams = []
    for (protocol, key), value in stats.items():
        name = f"{protocol}_{key}"
        if fields.search(name):
            fams.append(UntypedFamily(f"node_netstat_{name}", f"Statistic {protocol}{key}.", float(value)))
    return fams


def make(ctx: CollectorContext) -> KeptReader[list[UntypedFamily]]:
    fields = FieldFilter(ctx.config.netstat.fields)
    return KeptReader(lambda text: read_netstat(ctx.paths, fields, text))
