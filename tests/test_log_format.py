"""Log lines as journald, a pipe and a terminal receive them (exporter/log_format.py)."""

from __future__ import annotations

import logging
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from exporter.log_format import OneLineFormatter, formatter_for, is_journal
from tests.support.servers import REPO, free_port, wait_until


def record(level: int, msg: str, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("exporter", level, __file__, 1, msg, (), exc_info)


def test_a_pipe_gets_one_line_per_event_without_timestamp(tmp_path: Path) -> None:
    with open(tmp_path / "log", "w") as stream:
        fmt = formatter_for(stream)
    line = fmt.format(record(logging.ERROR, "scan failed\nat /x", exc=True))
    assert "\n" not in line
    assert line.startswith("ERROR exporter: scan failed\\nat /x\\nTraceback (most recent call last):")
    assert line.endswith("ValueError: boom\\nsecond line")


def test_a_terminal_gets_timestamps_and_multi_line_tracebacks() -> None:
    leader, follower = pty.openpty()
    try:
        with os.fdopen(follower, "w", closefd=False) as stream:
            fmt = formatter_for(stream)
        line = fmt.format(record(logging.INFO, "listening"))
        assert not isinstance(fmt, OneLineFormatter)
        assert line.endswith(" INFO exporter: listening") and line[:4].isdigit()
    finally:
        os.close(leader)
        os.close(follower)


def test_journald_stream_gets_syslog_priorities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open(tmp_path / "journal", "w") as stream:
        st = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        assert is_journal(stream)
        fmt = formatter_for(stream)
    lines = [fmt.format(record(level, "m")) for level in (logging.DEBUG, logging.INFO, logging.WARNING,
                                                          logging.ERROR, logging.CRITICAL)]
    assert lines == ["<7>DEBUG exporter: m", "<6>INFO exporter: m", "<4>WARNING exporter: m",
                     "<3>ERROR exporter: m", "<2>CRITICAL exporter: m"]


def test_journal_stream_of_another_file_is_not_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNAL_STREAM", "1:2")  # inherited from a parent whose stderr was the journal
    with open(tmp_path / "log", "w") as stream:
        assert not is_journal(stream)
        assert formatter_for(stream).format(record(logging.INFO, "m")) == "INFO exporter: m"


@pytest.mark.integration
def test_the_server_logs_to_journald_form(tmp_path: Path) -> None:
    """The real server with stderr on a pipe named by JOURNAL_STREAM, as systemd starts it."""
    read_end, write_end = os.pipe()
    st = os.fstat(write_end)
    port = free_port()
    cfg = tmp_path / "c.yml"
    cfg.write_text("dirsize: {enabled: false}\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "exporter", "serve", "--listen", f"127.0.0.1:{port}", "--config", str(cfg),
         "--no-history"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=write_end,
        env={**os.environ, "JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"},
    )
    os.close(write_end)
    out = b""
    try:
        os.set_blocking(read_end, False)

        def listening() -> bool:
            nonlocal out
            try:
                out += os.read(read_end, 65536)
            except BlockingIOError:
                pass
            return b"listening on" in out

        wait_until(listening, 20, what="the listening line")
    finally:
        proc.terminate()
        proc.wait(10)
        os.set_blocking(read_end, True)
        while chunk := os.read(read_end, 65536):
            out += chunk
        os.close(read_end)
    lines = out.decode().splitlines()
    assert lines and all(line.startswith(("<6>INFO ", "<4>WARNING ", "<3>ERROR ")) for line in lines), lines
    assert any(line.startswith("<6>INFO exporter: sysmon-exporter ") and f":{port}" in line for line in lines)
