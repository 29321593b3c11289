"""Memory and swap: every /proc/meminfo field, in bytes, named as node_exporter names them."""

from __future__ import annotations

import re

from exporter.host.context import CollectorContext
from exporter.host.kept_files import ProcFiles, Text, keeps
from exporter.host.paths import HostPaths, read_text
from exporter.sampling.snapshot import Memory


def metric_field_name(raw: str) -> str:
    """node_exporter's rename: "Active(anon)" → "Active_anon"."""
    return raw.replace("(", "_").replace(")", "")


_names: dict[str, str] = {}  # /proc/meminfo's raw name → ours: the kernel's fixed set of some 55


def _field_name(raw: str) -> str:
    key = _names.get(raw)
    if key is None:
        key = metric_field_name(raw.strip())
        if len(_names) < 1024:
            _names[raw] = key
    return key


def read_memory(paths: HostPaths, text: Text = read_text) -> Memory:
    return parse_meminfo(text(paths.proc("meminfo")))


def parse_meminfo(text: str) -> Memory:
    fields: dict[str, int] = {}
    counts: set[str] = set()
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if not parts:
            continue
        key = _field_name(name)
        value = int(parts[0])
        if len(parts) > 1 and parts[1] == "kB":
            value *= 1024
        else:
            counts.add(key)
        fields[key] = value
    return Memory(fields, frozenset(counts))


_STRICT = re.compile(r"[^:]*: *\d+( kB)?")  # the kernel's "Name:   123 kB" or "Name:   123"


class MemInfo:
    """/proc/meminfo kept open, its layout remembered as one pattern of the whole file.

    The kernel writes the same names, in the same order, each with or without "kB", at every
    read; only the numbers move. After a line-by-line parse whose every line has that strict
    shape, a later read that the pattern (each name literally, spaces, digits, " kB" where it
    was) matches in full gives the numbers from its groups, in C: what the line-by-line parse
    would give for that text. Anything else is parsed line by line again."""

    def __init__(self, paths: HostPaths) -> None:
        self._path = paths.proc("meminfo")
        self._files = ProcFiles(keeps(paths))
        self._pattern: re.Pattern[str] | None = None
        self._plan: list[tuple[str, int]] = []  # (field, multiplier) per group
        self._counts: frozenset[str] = frozenset()

    def __call__(self) -> Memory:
        text = self._files.text(self._path)
        match = self._pattern.fullmatch(text) if self._pattern is not None else None
        if match is not None:
            return Memory({key: int(v) * scale for (key, scale), v in zip(self._plan, match.groups(), strict=True)},
                          self._counts)
        memory = parse_meminfo(text)
        lines = text.splitlines()
        if text.endswith("\n") and all(_STRICT.fullmatch(line) for line in lines):
            pattern, plan = [], []
            for line in lines:
                raw, _, rest = line.partition(":")
                kb = rest.endswith(" kB")
                pattern.append(f"{re.escape(raw)}: *(\\d+){' kB' if kb else ''}\n")
                plan.append((_field_name(raw), 1024 if kb else 1))
            self._pattern, self._plan, self._counts = re.compile("".join(pattern)), plan, memory.counts
        else:
            self._pattern = None
        return memory

    def close(self) -> None:
        self._files.close()


def make(ctx: CollectorContext) -> MemInfo:
    return MemInfo(ctx.paths)
