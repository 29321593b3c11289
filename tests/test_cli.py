"""The command line as a user meets it: one-line errors and exit code 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from exporter import __version__
from exporter.cli import main

REPO = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exporter", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=30)


def test_version(capsys) -> None:  # type: ignore[no-untyped-def]
    r = run("--version")
    assert r.returncode == 0 and __version__ in r.stdout


def test_check_config_ok_and_bad(tmp_path: Path) -> None:
    assert run("check-config", str(REPO / "config.example.yml")).returncode == 0
    bad = tmp_path / "c.yml"
    bad.write_text("alerts:\n  cpu:\n    warning: 2\n")
    r = run("check-config", str(bad))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "alerts.cpu" in r.stderr and "Traceback" not in r.stderr


def test_bad_usage_is_one_line_exit_2() -> None:
    for args in (["serve", "--listen", "nonsense"], ["frobnicate"], ["serve", "--bogus"],
                 ["serve", "--config", "/nonexistent.yml"]):
        r = run(*args)
        assert r.returncode == 2, args
        assert r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr, r.stderr


def test_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run("serve", "--no-history", "--listen", f"127.0.0.1:{port}")
    assert r.returncode == 2 and "cannot listen" in r.stderr


def test_serve_is_the_default_command() -> None:
    assert main(["--listen", "bad"]) == 2
