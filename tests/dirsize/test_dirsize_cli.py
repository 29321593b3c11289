from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from exporter.dirsize import cli
from exporter.dirsize.scanner import Progress


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    cli.add_parser(sub)
    args = parser.parse_args(argv)
    return int(args.run(args))


def test_table_on_stdout(du_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["scan", str(du_tree), "--limit", "100"]) == 0
    out = capsys.readouterr().out
    assert "Largest directories" in out and "Largest files" in out
    assert str(du_tree / "a" / "big.bin") in out
    assert "we ird\\nname" in out  # control characters are escaped, one entry per line


def test_json_on_stdout(du_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["scan", str(du_tree), "--json", "--limit", "2"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["status"] == "ok" and len(body["files"]) == 2 and body["total_bytes"] > 0


@pytest.mark.parametrize("bad", ["missing", "a/big.bin"])
def test_bad_path_is_one_line_and_exit_2(du_tree: Path, capsys: pytest.CaptureFixture[str], bad: str) -> None:
    assert run(["scan", str(du_tree / bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1


def test_progress_reporter_throttles() -> None:
    now = [0.0]

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    rep = cli._Reporter(out, monotonic=lambda: now[0])
    for i in range(100):  # 100 callbacks over 1 s → at most ~5 updates
        now[0] = i / 100
        rep(Progress(i * 512, i * 4096, 0.0, now[0]))
    assert 1 <= out.getvalue().count("\r") <= 5
    assert "\n" not in out.getvalue()
    plain = io.StringIO()
    rep = cli._Reporter(plain, monotonic=lambda: now[0])
    for i in range(100):
        now[0] = i / 10  # 10 s
        rep(Progress(i, i, 0.0, now[0]))
    assert 1 <= plain.getvalue().count("\n") <= 2
