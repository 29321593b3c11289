"""The app through its public HTTP interface (test client, real host readers)."""

from __future__ import annotations

import gzip

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporter.config import config_from_dict
from exporter.runtime import build_runtime
from exporter.web.app import create_app


@pytest.fixture
def client():
    runtime = build_runtime(config_from_dict({"history": {"enabled": False}}))
    app = create_app(runtime)
    yield app.test_client()
    runtime.stop()


def test_data_schema(client) -> None:
    client.get("/data")
    r = client.get("/data")  # second call has rates
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    d = r.get_json()
    for key in ("timestamp", "hostname", "uptime_seconds", "cpu", "load", "memory", "swap", "filesystems",
                "network", "disks", "processes", "alerts", "collectors"):
        assert key in d, key
    assert d["cpu"]["count"] >= 1
    assert 0 <= d["memory"]["percent"] <= 100
    assert d["memory"]["used_bytes"] <= d["memory"]["total_bytes"]
    assert any(fs["mountpoint"] == "/" for fs in d["filesystems"])
    assert d["processes"]["total"] > 0 and len(d["processes"]["top"]) > 0
    row = d["processes"]["top"][0]
    assert set(row) >= {"pid", "user", "name", "cmdline", "state", "cpu_percent", "memory_percent", "rss_bytes"}
    assert set(d["alerts"]) == {"firing", "pending", "log", "thresholds"}


@pytest.mark.parametrize("url", ["/data?foo=1", "/metrics?x=", "/healthz?a=b", "/alerts?z=1"])
def test_unknown_query_parameters_are_400_json(client, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 400
    assert "unknown query parameter" in r.get_json()["error"]


def test_unknown_path_and_method_are_json(client) -> None:
    r = client.get("/nope")
    assert r.status_code == 404 and "error" in r.get_json()
    r = client.post("/data")
    assert r.status_code == 405 and "error" in r.get_json()


def test_metrics_text_gzip_and_openmetrics(client) -> None:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.content_type.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(r.get_data(as_text=True))}
    assert "node_cpu_seconds" in families and "node_scrape_collector_success" in families
    assert all(f.documentation for f in families.values())
    z = client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    assert z.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(z.get_data()).startswith(b"# HELP")
    om = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert om.content_type.startswith("application/openmetrics-text") and om.get_data().endswith(b"# EOF\n")


def test_security_headers_everywhere(client) -> None:
    for url in ("/", "/data", "/metrics", "/nope"):
        h = client.get(url).headers
        assert "script-src 'self'" in h["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "no-referrer"


def test_page_served(client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and b"<html" in r.get_data()
    assert b"<script>" not in r.get_data()  # no inline script


def test_data_gzip_when_accepted_and_feature_flags(client) -> None:
    r = client.get("/data", headers={"Accept-Encoding": "gzip, deflate"})
    assert r.headers["Content-Encoding"] == "gzip"
    import json

    d = json.loads(gzip.decompress(r.get_data()))
    assert d["history"] == {"enabled": False}
    assert d["dirsize"]["enabled"] is True  # on by default
