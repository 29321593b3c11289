"""The command line as a user meets it: one-line errors and exit code 2, never a traceback.

Most cases call `main([...])` in this process; one runs the real `python -m exporter`
entry point, to be sure what reaches a user's terminal is the same."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from exporter import __version__
from exporter.cli import main
from tests.support.servers import REPO


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `sysmon-exporter ARGS`; argparse's own exits count too."""
    try:
        code = main(list(args))
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_usage_error(code: int, err: str) -> None:
    assert code == 2
    assert err.strip().count("\n") == 0 and "Traceback" not in err, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--version")
    assert code == 0 and __version__ in out


def test_check_config_ok_and_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "check-config", str(REPO / "config.example.yml"))[0] == 0
    bad = tmp_path / "c.yml"
    bad.write_text("alerts:\n  cpu:\n    warning: 2\n")
    code, _, err = cli(capsys, "check-config", str(bad))
    assert_one_line_usage_error(code, err)
    assert "alerts.cpu" in err


@pytest.mark.parametrize("args", [["serve", "--listen", "nonsense"], ["frobnicate"], ["serve", "--bogus"],
                                  ["serve", "--config", "/nonexistent.yml"], ["--listen", "bad"]])
def test_bad_usage_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    assert_one_line_usage_error(*cli(capsys, *args)[::2])


@pytest.mark.integration
def test_busy_port_is_a_clear_error_from_the_real_entry_point() -> None:
    """The whole path a user runs: interpreter, `python -m exporter`, runtime built, port refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "exporter", "serve", "--no-history", "--listen",
                            f"127.0.0.1:{port}"], capture_output=True, text=True, cwd=REPO, timeout=30)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.splitlines()[-1].startswith(f"sysmon-exporter: cannot listen on 127.0.0.1:{port}"), r.stderr


def test_tls_is_needed_for_a_tls_listener_or_an_https_receiver_only() -> None:
    from exporter.cli import needs_tls
    from exporter.config import config_from_dict

    assert not needs_tls(config_from_dict({}))
    assert not needs_tls(config_from_dict({"alerts": {"notify": {"webhooks": [{"url": "http://127.0.0.1:1/x"}]}}}))
    assert needs_tls(config_from_dict({"alerts": {"notify": {"alertmanagers": [{"url": "https://am.example/"}]}}}))
    plain = config_from_dict({})
    tls = dataclasses.replace(plain.web, tls_cert_file="/c.pem", tls_key_file="/k.pem")  # the files are not read here
    assert needs_tls(dataclasses.replace(plain, web=tls))
