"""Shared fixtures: a running exporter on a free loopback port."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.servers import ExporterProcess


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
