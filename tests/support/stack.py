"""Helpers of the stack tests: real Prometheus, Alertmanager, a webhook receiver (Debian's packages).

Everything listens on 127.0.0.1 on a free port; readiness is polled with a deadline.
A missing binary skips the test with the apt package to install.
"""

from __future__ import annotations

import http.server
import json
import re
import ssl
import subprocess
import threading
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Self

import yaml

from tests.support.servers import REPO, BackgroundProcess, free_port, http_get, require_binary, wait_until

__all__ = [
    "REPO", "Alertmanager", "Prometheus", "VictoriaMetrics", "Webhook", "free_port", "http_get", "promql",
    "require_binary", "run_tool", "wait_until",
]


def run_tool(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=REPO)


def promql(base: str, expr: str, path: str = "query") -> list[dict[str, Any]]:
    """Result of an instant query (or of /api/v1/series etc. when `path` says so); fails on an error."""
    data = urllib.parse.urlencode({"query": expr}).encode()
    req = urllib.request.Request(f"{base}/api/v1/{path}", data=data)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            body = json.loads(r.read())
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{expr!r}: HTTP {e.code}: {e.read()[:500]!r}") from None
    assert body["status"] == "success", body
    return body["data"]["result"]


def _post(url: str) -> int:
    req = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return int(r.status)


class _Served:
    """A Debian-packaged server run by a test: started (ready polled with a deadline) and stopped."""

    proc: BackgroundProcess

    def start(self) -> Self:
        self.proc.start(timeout=30)
        return self

    def stop(self) -> None:
        self.proc.stop()


class Prometheus(_Served):
    """A real Prometheus with our config in `workdir`, 1 s scrape and evaluation, reloadable."""

    def __init__(self, workdir: Path, config: dict[str, Any]) -> None:
        self.binary = require_binary("prometheus", "prometheus")
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config_path = workdir / "prometheus.yml"
        self.write_config(config)
        self.proc = BackgroundProcess(
            [self.binary, f"--config.file={self.config_path}", f"--storage.tsdb.path={workdir / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-lifecycle", "--log.level=warn",
             "--rules.alert.resend-delay=1s"],
            self.url + "/-/ready", workdir / "prometheus.log",
        )

    def write_config(self, config: dict[str, Any]) -> None:
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    def reload(self) -> None:
        assert _post(self.url + "/-/reload") == 200

    def query(self, expr: str) -> list[dict[str, Any]]:
        return promql(self.url, expr)

    def log(self) -> str:
        return self.proc.log_path.read_text(errors="replace")[-3000:]


class VictoriaMetrics(_Served):
    """A real single-node VictoriaMetrics (Debian's victoria-metrics): a remote_write target that
    answers PromQL at the same /api/v1 paths as Prometheus."""

    def __init__(self, workdir: Path) -> None:
        self.binary = require_binary("victoria-metrics", "victoria-metrics")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.write_url = self.url + "/api/v1/write"
        self.proc = BackgroundProcess(
            [self.binary, f"-httpListenAddr=127.0.0.1:{self.port}", f"-storageDataPath={workdir / 'vm-data'}",
             "-retentionPeriod=1d", "-loggerLevel=WARN",
             # answer queries up to now (its default hides the last 30 s, still being written) and
             # never from a cache filled before the samples arrived
             "-search.latencyOffset=0s", "-search.disableCache"],
            self.url + "/health", workdir / "victoria-metrics.log",
        )

    def force_flush(self) -> None:
        """Samples still in memory buffers become searchable and counted in vm_data_size_bytes."""
        assert http_get(self.url + "/internal/force_flush")[0] == 200

    def storage(self) -> dict[str, float]:
        """What it reports of its storage, after a flush: rows (samples) kept, bytes of data
        parts and bytes of the index (vm_rows, vm_data_size_bytes)."""
        self.force_flush()
        status, body, _ = http_get(self.url + "/metrics")
        assert status == 200
        text = body.decode()

        def total(name: str, type_re: str) -> float:
            return sum(float(m.group(2)) for m in re.finditer(rf'^{name}{{type="([^"]+)"}} (\S+)$', text, re.M)
                       if re.fullmatch(type_re, m.group(1)))

        return {"rows": total("vm_rows", r"storage/.*"), "data_bytes": total("vm_data_size_bytes", r"storage/.*"),
                "index_bytes": total("vm_data_size_bytes", r"indexdb.*")}


class Alertmanager(_Served):
    """A real single-node Alertmanager (no cluster port)."""

    def __init__(self, workdir: Path, config: dict[str, Any]) -> None:
        self.binary = require_binary("prometheus-alertmanager", "prometheus-alertmanager")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = workdir / "alertmanager.yml"
        cfg.write_text(yaml.safe_dump(config, sort_keys=False))
        storage = workdir / "alertmanager-data"
        storage.mkdir()
        self.proc = BackgroundProcess(
            [self.binary, f"--config.file={cfg}", f"--storage.path={storage}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=", "--log.level=warn"],
            self.url + "/-/ready", workdir / "alertmanager.log",
        )


class Webhook:
    """An HTTP server in a thread that records every Alertmanager notification it receives.

    `port` 0 picks a free one; a fixed port lets a test start the receiver late (a receiver that was
    down). `tls` (cert, key) serves HTTPS; `status` is what it answers; `headers` keeps each request's."""

    def __init__(self, port: int = 0, tls: tuple[Path, Path] | None = None) -> None:
        self.notifications: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.status = 200
        lock = threading.Lock()
        self._lock = lock
        received, headers, hook = self.notifications, self.headers, self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    received.append(json.loads(body))
                    headers.append(dict(self.headers.items()))
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        scheme = "http"
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.port = self.server.server_address[1]
        self.url = f"{scheme}://127.0.0.1:{self.port}/alerts"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Webhook:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert of every notification so far, in arrival order."""
        with self._lock:
            return [a for n in self.notifications for a in n.get("alerts", [])]


def exporter_healthy(url: str) -> bool:
    try:
        return http_get(url + "/healthz", timeout=1)[0] == 200
    except OSError:
        return False


# --- Grafana dashboards -------------------------------------------------------------------

DASHBOARDS = REPO / "grafana" / "dashboards"


def load_dashboard(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, rows' nested panels included, rows themselves left out."""
    out = []
    for p in dashboard["panels"]:
        if p.get("type") == "row":
            out.extend(p.get("panels", []))
        else:
            out.append(p)
    return out


def dashboard_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL) of every target of every panel."""
    return [(p["title"], t["expr"]) for p in panels(dashboard) for t in p.get("targets", [])]


def substitute(expr: str, variables: dict[str, str]) -> str:
    """What Grafana sends: $name and ${name} replaced, longest names first ($__rate_interval before $__…)."""
    for name in sorted(variables, key=len, reverse=True):
        expr = expr.replace("${" + name + "}", variables[name]).replace("$" + name, variables[name])
    return expr
