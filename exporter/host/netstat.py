"""node_exporter's `netstat` collector: /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6.

Every "Protocol_Field" counter whose key matches `netstat.fields` (node_exporter's
default regex: TCP/UDP errors, retransmits, listen drops, syncookies, octets...)
becomes an untyped node_netstat_<Protocol>_<Field>, as node_exporter exports them.
snmp6 is optional (absent with IPv6 disabled), as there.

The three files hold some 400 counters of which the default filter keeps about 40.
The kernel writes the same header lines (and snmp6 the same names) at every read, so
the reader decides once per header line which columns it keeps, with their family name
and help (a plan), and a collection only splits the value lines and picks those
columns. Plans are keyed by the header text itself, so a header that changes (a kernel
module adding counters) gets a plan of its own at the next collection: nothing served is
older than the read that produced it.
"""

from __future__ import annotations

import re

from exporter.exposition.families import UntypedFamily
from exporter.host.context import CollectorContext
from exporter.host.kept_files import ProcFiles, Text
from exporter.host.paths import HostPaths, read_text
from exporter.host.scalars import Scalars

Key = tuple[str, str]  # (protocol, field)
Kept = tuple[Key, str, str]  # (key, family name, help)
# A header line's plan: how many columns its value line must have, and the kept ones by index.
HeaderPlan = tuple[int, str, tuple[tuple[int, Kept], ...]]

_MAX_PLANS = 256  # header lines and snmp6 names are a few hundred; a bound against odd inputs


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


class Planner:
    """Per header line (and per snmp6 name) the kept columns, decided once."""

    def __init__(self, fields: FieldFilter | re.Pattern[str]) -> None:
        self._fields = fields
        self._headers: dict[str, HeaderPlan] = {}
        self._names: dict[str, Kept | None] = {}

    def _kept(self, protocol: str, key: str) -> Kept | None:
        name = f"{protocol}_{key}"
        if not self._fields.search(name):
            return None
        return (protocol, key), f"node_netstat_{name}", f"Statistic {protocol}{key}."

    def header(self, line: str) -> HeaderPlan:
        plan = self._headers.get(line)
        if plan is None:
            keys = line.split()
            protocol = keys[0].rstrip(":") if keys else "?"
            kept = tuple((i, k) for i, key in enumerate(keys[1:], 1) if (k := self._kept(protocol, key)))
            if len(self._headers) >= _MAX_PLANS:
                self._headers.clear()
            plan = self._headers[line] = (len(keys), protocol, kept)
        return plan

    def snmp6(self, name: str) -> Kept | None:
        """The kept key of an snmp6 name ("Ip6InReceives": protocol Ip6, field InReceives), or None."""
        try:
            return self._names[name]
        except KeyError:
            pass
        six = name.find("6")
        kept = None if six == -1 else self._kept(name[: six + 1], name[six + 1 :])
        if len(self._names) >= _MAX_PLANS:
            self._names.clear()
        self._names[name] = kept
        return kept


def _pairs(text: str, planner: Planner, stats: dict[Key, tuple[str, str, str]]) -> None:
    """The kept counters of the header/value line pairs of /proc/net/{netstat,snmp} into `stats`."""
    lines = text.splitlines()
    header = planner.header
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        count, protocol, kept = header(names)
        vals = values.split()
        if len(vals) != count:
            raise ValueError(f"field count mismatch for {protocol}")
        for i, (key, name, help_) in kept:
            stats[key] = (name, help_, vals[i])


_SNMP6_LINE = re.compile(r"\S+[ \t]+\S+")  # the kernel's "%-32s\t%lu"
_VALUE = r"[ \t]+\S+\n"
_KEPT_VALUE = r"[ \t]+(\S+)\n"


class Snmp6:
    """The kept counters of /proc/net/snmp6's "Ip6InReceives 7" lines.

    Its ~90 names are the kernel's fixed list, in a fixed order. After a line-by-line parse in
    which every line is "name, blanks, value", the file is remembered as one pattern (each name
    literally, blanks, the value): a later text that the pattern matches in full gives the kept
    values from its groups, in C, which is what splitting each of its lines gives. Any other
    text is parsed line by line again."""

    def __init__(self, planner: Planner) -> None:
        self._planner = planner
        self._pattern: re.Pattern[str] | None = None
        self._kept: list[Kept] = []

    def __call__(self, text: str, stats: dict[Key, tuple[str, str, str]]) -> None:
        match = self._pattern.fullmatch(text) if self._pattern is not None else None
        if match is not None:
            for (key, name, help_), value in zip(self._kept, match.groups(), strict=True):
                stats[key] = (name, help_, value)
            return
        plan = self._planner.snmp6
        lines = text.splitlines()
        strict = text.endswith("\n") or not text
        pattern, kept_list = [], []
        for line in lines:
            parts = line.split()
            strict = strict and _SNMP6_LINE.fullmatch(line) is not None
            if len(parts) < 2:
                continue
            kept = plan(parts[0])
            if kept is not None:
                key, name, help_ = kept
                stats[key] = (name, help_, parts[1])
                kept_list.append(kept)
            pattern.append(re.escape(parts[0]) + (_KEPT_VALUE if kept else _VALUE))
        self._pattern, self._kept = (re.compile("".join(pattern)), kept_list) if strict else (None, [])


def read_netstat(
    paths: HostPaths, fields: FieldFilter | re.Pattern[str] | Planner, text: Text = read_text,
    scalars: Scalars | None = None, snmp6_reader: Snmp6 | None = None,
) -> list[UntypedFamily]:
    planner = fields if isinstance(fields, Planner) else Planner(fields)
    # Later files win for a key seen twice, in the position where it was first seen.
    stats: dict[Key, tuple[str, str, str]] = {}
    _pairs(text(paths.proc("net", "netstat")), planner, stats)
    _pairs(text(paths.proc("net", "snmp")), planner, stats)
    try:
        snmp6 = text(paths.proc("net", "snmp6"))
    except FileNotFoundError:  # IPv6 disabled
        snmp6 = ""
    (snmp6_reader or Snmp6(planner))(snmp6, stats)
    if scalars is None:
        return [UntypedFamily(name, help_, float(value)) for name, help_, value in stats.values()]
    family = scalars.text_family
    return [family(UntypedFamily, name, help_, value) for name, help_, value in stats.values()]


class NetstatReader:
    """The collector: the three files through kept descriptors, one Planner for their lifetime."""

    def __init__(self, paths: HostPaths, fields: FieldFilter) -> None:
        self._paths = paths
        self._planner = Planner(fields)
        self._files = ProcFiles()
        self._scalars = Scalars()
        self._snmp6 = Snmp6(self._planner)

    def __call__(self) -> list[UntypedFamily]:
        return read_netstat(self._paths, self._planner, self._files.text, self._scalars, self._snmp6)

    def close(self) -> None:
        self._files.close()


def make(ctx: CollectorContext) -> NetstatReader:
    return NetstatReader(ctx.paths, FieldFilter(ctx.config.netstat.fields))
