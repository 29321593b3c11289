"""Helpers for the security tests: certificates, bcrypt users, a TLS-aware exporter process,
and an in-process live server with every route wired (for the fuzz tests)."""

from __future__ import annotations

import base64
import http.client
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from exporter.config import Config, config_from_dict
from exporter.history import open_history
from exporter.runtime import Runtime, build_runtime
from exporter.web.app import ExporterApp, create_app
from exporter.web.server import make_server
from tests.support.servers import REPO, free_port, require_binary, terminate, wait_until

USER = "prometheus"
PASSWORD = "s3cret-scrape-pw"


def bcrypt_hash(password: str, rounds: int = 4) -> str:
    """A bcrypt hash; cost 4 keeps the tests fast (production hashes use 10-12)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def make_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1 (openssl CLI)."""
    openssl = require_binary("openssl", "openssl")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


class TlsExporter:
    """`python -m exporter serve`, the real CLI, over http or https."""

    def __init__(self, workdir: Path, config: dict[str, Any], ca_file: Path | None = None,
                 extra_args: tuple[str, ...] = ("--no-history",)) -> None:
        self.workdir = workdir
        self.config = config
        self.port = free_port()
        self.tls = bool(config.get("web", {}).get("tls_cert_file"))
        self.ca_file = ca_file
        self.extra_args = extra_args
        self.log_path = workdir / f"exporter-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        ctx = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        return ctx

    def connection(self, timeout: float = 5.0) -> http.client.HTTPConnection:
        if self.tls:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=self.ssl_context())
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, path: str, method: str = "GET", headers: dict[str, str] | None = None,
                body: bytes | None = None) -> tuple[int, bytes, http.client.HTTPMessage]:
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read(), r.headers
        finally:
            conn.close()

    def start(self, timeout: float = 20.0) -> TlsExporter:
        cfg = self.workdir / f"exporter-{self.port}.yml"
        cfg.write_text(yaml.safe_dump(self.config))
        args = [sys.executable, "-m", "exporter", "serve", "--listen", f"127.0.0.1:{self.port}",
                "--config", str(cfg), "--data-dir", str(self.workdir / f"data-{self.port}"), *self.extra_args]
        self._log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(args, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT)

        def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"exporter exited with {self.proc.returncode}: {self.log()[-2000:]}")
            try:
                return self.request("/healthz")[0] == 200
            except OSError:
                return False

        wait_until(up, timeout, what=f"exporter on {self.url} (log {self.log_path})")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        terminate(self.proc)
        self._log.close()
        return self.proc.returncode


@dataclass
class LiveApp:
    url: str
    port: int
    app: ExporterApp
    runtime: Runtime
    config: Config
    server: Any = None  # the GatedServer (its gate, for the slow-client tests)


@contextmanager
def live_app(config_data: dict[str, Any], *, history_dir: Path | None = None) -> Iterator[LiveApp]:
    """The real app factory on cheroot in this process (loopback); history only with `history_dir`."""
    if history_dir is not None:
        config_data = {**config_data, "data_dir": str(history_dir)}
    config = config_from_dict(config_data)
    store = open_history(config) if history_dir is not None else None
    runtime = build_runtime(config, history=store)
    app = create_app(runtime)
    server = make_server(app, config.web, listen="127.0.0.1:0")
    server.prepare()
    port = server.bind_addr[1]
    thread = threading.Thread(target=server.serve, name="live-app", daemon=True)
    thread.start()
    try:
        scheme = "https" if config.web.tls_cert_file else "http"
        yield LiveApp(f"{scheme}://127.0.0.1:{port}", port, app, runtime, config, server)
    finally:
        server.stop()
        thread.join(5)
        runtime.stop()
