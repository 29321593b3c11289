"""Start real processes for tests: the exporter, Prometheus, node_exporter.

Everything listens on 127.0.0.1 on a free port and is polled with a deadline,
never waited for with a fixed sleep.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_exc: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as e:  # noqa: BLE001
            last_exc = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f": {last_exc}" if last_exc else ""))


def http_get(url: str, timeout: float = 5.0, headers: dict[str, str] | None = None) -> tuple[int, bytes, Any]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def terminate(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def require_binary(name: str, package: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} not installed: sudo apt-get install {package}")
    return path


class ExporterProcess:
    """`python -m exporter serve` as a real subprocess."""

    def __init__(self, workdir: Path, config: dict[str, Any], port: int | None = None,
                 history: bool = False, extra_args: tuple[str, ...] = ()) -> None:
        self.workdir = workdir
        self.config = config
        self.port = port or free_port()
        self.history = history
        self.extra_args = extra_args
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"exporter-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        cfg = self.workdir / f"exporter-{self.port}.yml"
        config = dict(self.config)
        # Background scans of the home directory are not what most tests look at: off unless asked.
        config.setdefault("dirsize", {"enabled": False})
        cfg.write_text(yaml.safe_dump(config))
        args = [sys.executable, "-m", "exporter", "serve", "--listen", f"127.0.0.1:{self.port}",
                "--config", str(cfg), "--data-dir", str(self.workdir / f"data-{self.port}")]
        if not self.history:
            args.append("--no-history")
        args.extend(self.extra_args)
        self._log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(args, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT)
        wait_until(self._healthy, timeout, what=f"exporter on port {self.port} (log: {self.log_path})")

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"exporter exited with {self.proc.returncode}: {self.log_path.read_text()[-2000:]}")
        try:
            return http_get(self.url + "/healthz", timeout=1)[0] == 200
        except OSError:
            return False

    def get(self, path: str, **kw: Any) -> tuple[int, bytes, Any]:
        return http_get(self.url + path, **kw)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 5.0) -> float:
        """Stop it; return how long it took to exit."""
        if self.proc is None or self.proc.poll() is not None:
            return 0.0
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
        return time.monotonic() - start


class BackgroundProcess:
    """A Debian-packaged server (Prometheus, node_exporter) on 127.0.0.1."""

    def __init__(self, args: list[str], ready_url: str, log_path: Path, cwd: Path | None = None) -> None:
        self.args = args
        self.ready_url = ready_url
        self.log_path = log_path
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(self.args, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.cwd,
                                     env={**os.environ, "GOMAXPROCS": "1"})

        def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.args[0]} exited: {self.log_path.read_text()[-2000:]}")
            try:
                return http_get(self.ready_url, timeout=1)[0] == 200
            except OSError:
                return False

        wait_until(ready, timeout, what=self.args[0])

    def stop(self) -> None:
        if self.proc:
            terminate(self.proc)
            self._log.close()


def start_prometheus(workdir: Path, scrape_targets: list[str], interval: str = "1s") -> tuple[BackgroundProcess, str]:
    """A real Prometheus scraping `targets` every `interval`; returns (process, base URL)."""
    binary = require_binary("prometheus", "prometheus")
    port = free_port()
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [{"job_name": "sysmon", "static_configs": [{"targets": scrape_targets}]}],
    }
    cfg = workdir / "prometheus.yml"
    cfg.write_text(yaml.safe_dump(config))
    url = f"http://127.0.0.1:{port}"
    proc = BackgroundProcess(
        [binary, f"--config.file={cfg}", f"--storage.tsdb.path={workdir / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        url + "/-/ready", workdir / "prometheus.log",
    )
    proc.start()
    return proc, url


def start_node_exporter(workdir: Path, *extra_args: str) -> tuple[BackgroundProcess, str]:
    """Debian's node_exporter with its default collectors, on loopback."""
    binary = require_binary("prometheus-node-exporter", "prometheus-node-exporter")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = BackgroundProcess([binary, f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn", *extra_args],
                             url + "/metrics", workdir / "node_exporter.log")
    proc.start()
    return proc, url
