"""What the default start-up imports, and what it leaves out (exporter/__init__.py and the lazy imports).

Every module imported stays in memory for the life of the process, so the serve path must not import
what the defaults never use: prometheus_client's exposition (HTTP servers, wsgiref, push gateway
client) and metric classes, urllib.request (only the notifier's receivers POST), bcrypt (only basic
auth), PyYAML (only a configuration file is YAML), psutil (not a dependency any more), and Flask with
what it brings (Jinja2, click, itsdangerous, blinker): the web layer is Werkzeug alone. Each check
runs in a fresh interpreter, so nothing this test process imported can hide an import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

NOT_ON_THE_DEFAULT_PATH = ["prometheus_client.exposition", "prometheus_client.metrics",
                           "prometheus_client.process_collector", "wsgiref", "urllib.request", "bcrypt",
                           "yaml", "psutil", "flask", "jinja2", "click", "itsdangerous", "blinker"]

# What `sysmon-exporter serve` does with the defaults (history on, a scan root), minus the listening
# loop: the app answers /metrics (Prometheus' Accept header), /data and the page through Werkzeug's test client.
SERVE_PATH = """
import json, sys, tempfile, time
import exporter.cli
from exporter.config import config_from_dict
from exporter.history import open_history
from exporter.runtime import build_runtime
from exporter.web.app import create_app
from exporter.web.server import make_server

tmp = tempfile.mkdtemp()
config = config_from_dict({"data_dir": tmp, "dirsize": {"roots": [tmp]}})
runtime = build_runtime(config, history=open_history(config))
app = create_app(runtime)
make_server(app, config.web)
runtime.start()
deadline = time.monotonic() + 30  # the start-up scan's worker lowers its priority: wait until it has scanned
while runtime.dirsize.view(runtime.dirsize.roots[0]).scans < 1 and time.monotonic() < deadline:
    time.sleep(0.01)
client = app.test_client()
accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
statuses = [client.get("/metrics", headers={"Accept": accept}).status_code,
            client.get("/metrics").status_code, client.get("/data").status_code, client.get("/").status_code]
runtime.stop()
scans = runtime.dirsize.view(runtime.dirsize.roots[0]).scans
print(json.dumps({"statuses": statuses, "scans": scans, "modules": sorted(sys.modules)}))
"""


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.splitlines()[-1])


@pytest.mark.integration  # a fresh interpreter
def test_the_default_serve_path_leaves_out_what_it_never_uses() -> None:
    result = _run(SERVE_PATH)
    assert result["statuses"] == [200, 200, 200, 200]
    assert result["scans"] >= 1
    loaded = set(result["modules"])
    assert "prometheus_client.metrics_core" in loaded  # the check sees what is imported
    assert sorted(loaded & set(NOT_ON_THE_DEFAULT_PATH)) == []


@pytest.mark.integration
def test_prometheus_clients_top_level_names_still_work_after_the_deferral() -> None:
    code = """
import json, sys
import exporter.exposition.encoding
deferred = "prometheus_client.exposition" not in sys.modules
import prometheus_client
from prometheus_client import CollectorRegistry, Counter, generate_latest
registry = CollectorRegistry()
Counter("hits", "Hits.", registry=registry).inc()
print(json.dumps({"deferred": deferred, "body": generate_latest(registry).decode(),
                  "default": type(prometheus_client.REGISTRY).__name__}))
"""
    result = _run(code)
    assert result["deferred"]
    assert "hits_total 1.0" in result["body"]
    assert result["default"] == "CollectorRegistry"


@pytest.mark.integration
def test_a_library_format_still_loads_the_librarys_encoder_when_asked() -> None:
    code = """
import json, sys
from exporter.exposition import encoding
from prometheus_client.metrics_core import GaugeMetricFamily
class One:
    def collect(self):
        yield GaugeMetricFamily("up_now", "Up.", value=1)
encoder, content_type = encoding.choose("text/plain;version=1.0.0")
print(json.dumps({"type": content_type, "body": encoder(One()).decode()}))
"""
    result = _run(code)
    assert result["type"].startswith("text/plain; version=1.0.0")
    assert "up_now 1.0" in result["body"]
