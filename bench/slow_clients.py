"""Slow-client scenarios for bench/load.py (`--slow-clients`): what normal requests cost while
hostile sockets are open, ours side by side with Debian's node_exporter, on loopback.

Scenarios (each runs `seconds` long; the hostile sockets are re-opened whenever a server
closes them, so their number stays constant, as a real attacker's would):

* baseline: nothing else open;
* 1 silent TLS socket: a TCP connection to the TLS port that never sends a ClientHello
  (both servers started with the same self-signed certificate);
* 100 silent plain sockets: connected, never send a byte;
* slowloris, 200 sockets: each sends a request line and a header, then one more header
  byte every second, never the blank line.

During each, one client sends sequential GET /metrics (a fresh connection each time, as
Prometheus does after an idle scrape interval) and records its latency; a request that
takes over `timeout` seconds counts as an error. Everything is bounded: sockets, time,
loopback only.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from common import REPO, Server, free_port, wait_http

SCENARIOS = ("baseline", "1 silent TLS socket", "100 silent plain sockets", "slowloris, 200 sockets")


def make_cert(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    key.chmod(0o600)
    return cert, key


class Hostile:
    """`n` sockets kept open against host:port; `behaviour` is "silent" or "slowloris"."""

    def __init__(self, port: int, n: int, behaviour: str) -> None:
        self.port, self.n, self.behaviour = port, n, behaviour
        self.socks: list[socket.socket | None] = [None] * n
        self.reopened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _open(self) -> socket.socket | None:
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=2)
        except OSError:
            return None
        s.setblocking(False)
        if self.behaviour == "slowloris":
            with contextlib.suppress(OSError):
                s.send(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: ")
        return s

    def _closed(self, s: socket.socket) -> bool:
        try:
            return s.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def _run(self) -> None:
        while not self._stop.is_set():
            for i, s in enumerate(self.socks):
                if s is None or self._closed(s):
                    if s is not None:
                        s.close()
                        self.reopened += 1
                    self.socks[i] = self._open()
                elif self.behaviour == "slowloris":
                    with contextlib.suppress(OSError):
                        s.send(b"b")
            self._stop.wait(1.0)

    def __enter__(self) -> Hostile:
        for i in range(self.n):
            self.socks[i] = self._open()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        for s in self.socks:
            if s is not None:
                s.close()


def measure(port: int, seconds: float, tls: ssl.SSLContext | None, timeout: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        conn: http.client.HTTPConnection
        if tls is not None:
            conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("GET", "/metrics")
            r = conn.getresponse()
            r.read()
            if r.status == 200:
                latencies.append(time.perf_counter() - start)
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
        finally:
            conn.close()
    latencies.sort()

    def q(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else float("nan")

    return {"ok": len(latencies), "errors": errors, "p50": q(0.5), "p99": q(0.99),
            "max": latencies[-1] * 1000 if latencies else float("nan")}


@contextlib.contextmanager
def servers(workdir: Path, tls: bool, checkout: Path,
            server: str = "cheroot") -> Iterator[list[tuple[str, Server, int]]]:
    """Ours (from `checkout`; served by cheroot as shipped, or by gunicorn's gthread worker to
    compare) and node_exporter, plain or both with the same TLS certificate."""
    cert, key = make_cert(workdir) if tls else (None, None)
    port = free_port()
    cfg = workdir / f"ours-{'tls' if tls else 'plain'}.yml"
    web = f"web:\n  tls_cert_file: {cert}\n  tls_key_file: {key}\n" if tls else ""
    cfg.write_text("dirsize:\n  enabled: false\nhistory:\n  enabled: false\n" + web)
    scheme = "https" if tls else "http"
    args = [sys.executable, "-m", "exporter", "serve", "--no-history", "--config", str(cfg),
            "--listen", f"127.0.0.1:{port}"]
    name, env = "sysmon-exporter", None
    if server == "gunicorn":
        web_cfg = workdir / f"gunicorn-{'tls' if tls else 'plain'}.yml"
        web_cfg.write_text("dirsize:\n  enabled: false\nhistory:\n  enabled: false\n")
        args = [sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads", "8", "-w", "1",
                "--bind", f"127.0.0.1:{port}", "--log-level", "error"]
        if tls:
            args += ["--certfile", str(cert), "--keyfile", str(key)]
        args.append("bench.gunicorn_app:app")
        name, env = "ours on gunicorn gthread", {**os.environ, "SYSMON_CONFIG": str(web_cfg)}
    ours = Server(name, args, f"{scheme}://127.0.0.1:{port}")
    out: list[tuple[str, Server, int]] = []
    with contextlib.ExitStack() as stack:
        ours.proc = subprocess.Popen(ours.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=checkout,
                                     env=env)
        stack.callback(_stop, ours)
        _wait(port, tls)
        out.append((name, ours, port))
        binary = shutil.which("prometheus-node-exporter")
        if binary:
            nport = free_port()
            args = [binary, f"--web.listen-address=127.0.0.1:{nport}", "--log.level=error"]
            if tls:
                web_cfg = workdir / "node-web.yml"
                web_cfg.write_text(f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n")
                args.append(f"--web.config.file={web_cfg}")
            node = Server("node_exporter", args, f"{scheme}://127.0.0.1:{nport}")
            node.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
            stack.callback(_stop, node)
            _wait(nport, tls)
            out.append(("node_exporter", node, nport))
        yield out


def _stop(server: Server) -> None:
    if server.proc is not None and server.proc.poll() is None:
        server.__exit__()


def _wait(port: int, tls: bool) -> None:
    if not tls:
        wait_http(f"http://127.0.0.1:{port}/metrics")
        return
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            c = http.client.HTTPSConnection("127.0.0.1", port, timeout=1, context=ctx)
            c.request("GET", "/metrics")
            c.getresponse().read()
            c.close()
            return
        time.sleep(0.02)
    raise RuntimeError(f"TLS server on {port} did not come up")


def run(seconds: float = 10.0, timeout: float = 30.0, checkout: Path = REPO, server: str = "cheroot",
        log: Callable[[str], None] = lambda s: print(s, file=sys.stderr)) -> dict[str, dict[str, dict[str, Any]]]:
    """{scenario: {server: figures}}."""
    results: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in SCENARIOS}
    insecure = ssl.create_default_context()
    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
    with tempfile.TemporaryDirectory() as tmp:
        with servers(Path(tmp), False, checkout, server) as plain:
            for name, _srv, port in plain:
                log(f"{name}: baseline")
                results["baseline"][name] = measure(port, seconds, None, timeout)
                log(f"{name}: 100 silent plain sockets")
                with Hostile(port, 100, "silent") as h:
                    results["100 silent plain sockets"][name] = measure(port, seconds, None, timeout)
                    results["100 silent plain sockets"][name]["reopened"] = h.reopened
                log(f"{name}: slowloris, 200 sockets")
                with Hostile(port, 200, "slowloris") as h:
                    results["slowloris, 200 sockets"][name] = measure(port, seconds, None, timeout)
                    results["slowloris, 200 sockets"][name]["reopened"] = h.reopened
        with servers(Path(tmp), True, checkout, server) as secure:
            for name, _srv, port in secure:
                log(f"{name}: 1 silent TLS socket")
                with Hostile(port, 1, "silent") as h:
                    results["1 silent TLS socket"][name] = measure(port, seconds, insecure, timeout)
                    results["1 silent TLS socket"][name]["reopened"] = h.reopened
    return results


def report(results: dict[str, dict[str, dict[str, Any]]], seconds: float, label: str = "") -> str:
    lines = [
        f"### Slow clients{label}: latency of sequential GET /metrics (new connection each) for {seconds:.0f} s "
        "per scenario",
        "",
        "| scenario | server | requests | errors | p50 | p99 | max | hostile sockets re-opened |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in SCENARIOS:
        for name, r in results[scenario].items():
            lines.append(f"| {scenario} | {name} | {r['ok']} | {r['errors']} | {r['p50']:.1f} ms | "
                         f"{r['p99']:.1f} ms | {r['max']:.0f} ms | {r.get('reopened', '')} |")
    return "\n".join(lines) + "\n"
