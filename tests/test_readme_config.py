"""The README's Configuration table names every top-level section of the configuration schema."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from exporter.config import Config

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_top_level_key_is_in_the_configuration_table() -> None:
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    named = {key for row in section.splitlines() if row.startswith("| `")
             for key in re.findall(r"`([a-z_]+)`", row.split(" | ", 1)[0])}
    keys = {f.name for f in dataclasses.fields(Config)}
    assert keys <= named, f"README.md's Configuration table lacks {sorted(keys - named)}"
