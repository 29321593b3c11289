"""The real `python -m exporter` process at its descriptor limit, and under signals at any
moment (issue 16: case 10, SIGHUP killing the process, SIGTERM right after the port opens)."""

from __future__ import annotations

import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.security import basic, bcrypt_hash
from tests.support.servers import REPO, free_port, http_get, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.integration]


@contextmanager
def exporter(tmp_path: Path, config: dict[str, Any], fd_limit: int | None = None) -> Iterator[tuple[Any, str, Path]]:
    port = free_port()
    cfg = tmp_path / "config.yml"
    cfg.write_text(yaml.safe_dump({"dirsize": {"enabled": False}, **config}))
    log_path = tmp_path / "exporter.log"

    def limit() -> None:
        if fd_limit is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "exporter", "serve", "--listen", f"127.0.0.1:{port}",
                                 "--config", str(cfg), "--no-history"], cwd=REPO, stdout=log,
                                stderr=subprocess.STDOUT, preexec_fn=limit)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: proc.poll() is None and http_get(url + "/healthz", timeout=1)[0] == 200, 20,
                       what=f"exporter ({log_path})")
            yield proc, url, log_path
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)


def test_at_the_descriptor_limit_it_keeps_serving_and_logs_one_line(tmp_path: Path) -> None:
    """Case 10: at the fd limit cheroot retried accept at once with a traceback each time
    (162,476 tracebacks, 130 MB of log in 15 s, no request served)."""
    with exporter(tmp_path, {}, fd_limit=256) as (proc, url, log_path), ExitStack() as stack:
        port = int(url.rsplit(":", 1)[1])
        socks = []
        for _ in range(400):  # more than the limit: silent connections, each one descriptor
            socks.append(stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5)))
        served = 0
        start = time.monotonic()
        while time.monotonic() - start < 4:
            status, _, _ = http_get(url + "/healthz", timeout=3)
            served += status == 200
        assert served >= 10  # the oldest waiting connection gives up its descriptor for a new one
        text = log_path.read_text(errors="replace")
        assert "Traceback" not in text
        assert 1 <= text.count("cannot accept connections") <= 2, text[-2000:]
        assert len(text) < 20_000
        assert proc.poll() is None


def test_sighup_reloads_and_a_bad_file_keeps_the_running_configuration(tmp_path: Path) -> None:
    """SIGHUP used to kill the process (exit 129). Now: valid file → applied (auth users live),
    invalid file → one line, the running configuration stays."""
    pw_hash = bcrypt_hash("pw")
    with exporter(tmp_path, {}) as (proc, url, log_path):
        cfg = tmp_path / "config.yml"
        assert http_get(url + "/data")[0] == 200
        cfg.write_text(yaml.safe_dump({"dirsize": {"enabled": False},
                                       "web": {"basic_auth_users": {"alice": pw_hash}},
                                       "alerts": {"cpu": {"warning": 0.5, "critical": 0.9}}}))
        proc.send_signal(signal.SIGHUP)
        wait_until(lambda: http_get(url + "/data")[0] == 401, 10, what="auth applied on SIGHUP")
        assert http_get(url + "/data", headers=basic("alice", "pw"))[0] == 200
        text = wait_until(lambda: "alerts.cpu.warning" in (t := log_path.read_text()) and t, 5)
        assert "applied web.basic_auth_users" in text
        assert "only applied after a restart: alerts.cpu.warning" in text

        cfg.write_text("web:\n  threads: 8\n  threads: 9\n")  # duplicate key: invalid
        proc.send_signal(signal.SIGHUP)
        text = wait_until(lambda: "not reloaded" in (t := log_path.read_text()) and t, 10)
        line = next(ln for ln in text.splitlines() if "not reloaded" in ln)
        assert "duplicate key 'threads'" in line
        assert http_get(url + "/data")[0] == 401  # still the last good configuration
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.3])
def test_sigterm_at_any_moment_of_start_up_exits_0(tmp_path: Path, delay: float) -> None:
    """A SIGTERM right after the port opens sometimes gave 143: signals are now installed
    before the port is bound. Sent as soon as the port accepts, plus a few delays."""
    port = free_port()
    cfg = tmp_path / "config.yml"
    cfg.write_text(yaml.safe_dump({"dirsize": {"enabled": False}}))
    proc = subprocess.Popen([sys.executable, "-m", "exporter", "serve", "--listen", f"127.0.0.1:{port}",
                             "--config", str(cfg), "--no-history"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def port_open() -> bool:
            assert proc.poll() is None
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0

        wait_until(port_open, 20, 0.002, what="the port to open")
        if delay:
            time.sleep(delay)  # not waiting for time to pass: choosing the moment of the signal
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0, proc.stderr.read().decode() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sighup_without_a_config_file_is_harmless(tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "exporter.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "exporter", "serve", "--listen", f"127.0.0.1:{port}",
                                 "--no-history"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until(lambda: proc.poll() is None and http_get(url + "/healthz", timeout=1)[0] == 200, 20,
                       what="exporter")
            proc.send_signal(signal.SIGHUP)
            wait_until(lambda: "no --config file" in log_path.read_text(), 5, what="the SIGHUP log line")
            assert http_get(url + "/healthz")[0] == 200
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(5) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
