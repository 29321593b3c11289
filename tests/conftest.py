"""Shared fixtures: a running exporter on a free loopback port."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.servers import ExporterProcess  # noqa: E402


@pytest.fixture
def exporter_proc(tmp_path: Path):
    """Start `python -m exporter serve` with an optional config; stop it afterwards."""
    started: list[ExporterProcess] = []

    def start(config: dict | None = None, **kwargs) -> ExporterProcess:
        proc = ExporterProcess(tmp_path, config or {}, **kwargs)
        proc.start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()
