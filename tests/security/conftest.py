"""The fuzz totals docs/security.md quotes, printed at the end of a run that fuzzed.

A summary, not a test: each fuzz case already asserts its own status (< 500), and a
total only means something after all of them ran, whatever order pytest chose."""

from __future__ import annotations

import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    fuzz = sys.modules.get("tests.security.test_fuzz")
    stats = getattr(fuzz, "STATS", None)
    if stats:
        terminalreporter.write_line(f"fuzz totals: {dict(stats)}")
