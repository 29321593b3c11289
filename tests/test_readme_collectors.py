"""The README's collector table lists every collector of exporter/host/collectors.py with its default."""

from __future__ import annotations

import re
from pathlib import Path

from exporter.host.collectors import COLLECTORS

README = Path(__file__).resolve().parents[1] / "README.md"
_ROW = re.compile(r"^\| `([a-z_0-9]+)` \| (on|off) \| (on|off|—) \| (.+) \|$")


def table() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Collectors\n", 1)[1].split("\n#", 1)[0]
    return {m.group(1): m.group(2) for m in map(_ROW.match, section.splitlines()) if m}


def test_every_collector_listed_with_its_default() -> None:
    listed = table()
    want = {c.name: "on" if c.default else "off" for c in COLLECTORS}
    assert listed == want, ("README.md's '### Collectors' table must have one row per collector "
                            f"(missing: {sorted(want.keys() - listed.keys())}, "
                            f"extra: {sorted(listed.keys() - want.keys())})")
