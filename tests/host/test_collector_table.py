"""The README's collector table says what the collector table does (names, defaults)."""

from __future__ import annotations

import re

from exporter.host.collectors import COLLECTORS
from tests.support.servers import REPO


def test_the_readme_lists_every_collector_with_its_default() -> None:
    rows = re.findall(r"^\| `([a-z_]+)` \| (on|off) \|", (REPO / "README.md").read_text(), re.M)
    assert rows == [(c.name, "on" if c.default else "off") for c in COLLECTORS]
