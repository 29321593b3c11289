"""The real CLI with TLS and basic auth; a real Prometheus scrapes it over https with a password."""

from __future__ import annotations

import json
import ssl
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from exporter.web.app import CSP
from tests.support.security import PASSWORD, USER, TlsExporter, basic, bcrypt_hash, make_cert
from tests.support.servers import BackgroundProcess, free_port, http_get, require_binary, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.security]

AUTH_WARNING = "basic auth is on without TLS"


@pytest.fixture
def cert(tmp_path: Path) -> tuple[Path, Path]:
    return make_cert(tmp_path)


@pytest.fixture
def tls_exporter(tmp_path: Path, cert: tuple[Path, Path]) -> Any:
    cert_file, key_file = cert
    exp = TlsExporter(tmp_path, {"web": {"tls_cert_file": str(cert_file), "tls_key_file": str(key_file),
                                           "basic_auth_users": {USER: bcrypt_hash(PASSWORD, rounds=10)}},
                                   "dirsize": {"enabled": False}}, ca_file=cert_file)
    yield exp.start()
    assert exp.stop() == 0


def test_tls_and_basic_auth_over_the_real_server(tls_exporter: TlsExporter) -> None:
    status, body, headers = tls_exporter.request("/data")
    assert status == 401 and json.loads(body) == {"error": "authentication required"}
    assert headers["WWW-Authenticate"] == 'Basic realm="sysmon"' and headers["Content-Security-Policy"] == CSP
    status, body, _ = tls_exporter.request("/metrics", headers=basic(USER, PASSWORD))
    assert status == 200 and b"node_cpu_seconds_total" in body
    assert tls_exporter.request("/healthz")[1] == b'{"status":"ok"}\n'
    assert "listening on https://" in tls_exporter.log()
    assert AUTH_WARNING not in tls_exporter.log()


def test_plain_http_to_the_tls_port_gets_nothing(tls_exporter: TlsExporter) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", tls_exporter.port, timeout=5)
    try:
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        assert r.status == 400  # cheroot answers plain HTTP on a TLS port with 400, no data
        assert b"node_" not in r.read()
    except (ConnectionError, http.client.HTTPException):
        pass  # or it just closes the connection
    finally:
        conn.close()


def test_unverified_certificate_is_refused_by_a_verifying_client(tls_exporter: TlsExporter) -> None:
    ctx = ssl.create_default_context()  # the system CAs: our self-signed certificate is not among them
    import http.client

    conn = http.client.HTTPSConnection("127.0.0.1", tls_exporter.port, timeout=5, context=ctx)
    with pytest.raises(ssl.SSLCertVerificationError):
        conn.request("GET", "/healthz")
    conn.close()


def test_auth_without_tls_logs_a_warning(tmp_path: Path) -> None:
    exp = TlsExporter(tmp_path, {"web": {"basic_auth_users": {USER: bcrypt_hash(PASSWORD)}},
                                   "dirsize": {"enabled": False}}).start()
    try:
        wait_until(lambda: AUTH_WARNING in exp.log(), 5, what="the clear-text warning")
        assert exp.request("/data")[0] == 401
    finally:
        assert exp.stop() == 0


def prometheus_config(exp: TlsExporter, ca_file: Path, **auth: Any) -> dict[str, Any]:
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{
            "job_name": "sysmon",
            "scheme": "https",
            "tls_config": {"ca_file": str(ca_file), "server_name": "localhost"},
            **auth,
            "static_configs": [{"targets": [f"127.0.0.1:{exp.port}"]}],
        }],
    }


def start_prometheus_with(tmp_path: Path, config: dict[str, Any]) -> tuple[BackgroundProcess, str]:
    binary = require_binary("prometheus", "prometheus")
    port = free_port()
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(yaml.safe_dump(config))
    url = f"http://127.0.0.1:{port}"
    proc = BackgroundProcess([binary, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                              f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                             url + "/-/ready", tmp_path / "prometheus.log")
    proc.start()
    return proc, url


def targets(prom: str) -> list[dict[str, Any]]:
    status, body, _ = http_get(f"{prom}/api/v1/targets")
    assert status == 200
    return json.loads(body)["data"]["activeTargets"]


def query(prom: str, expr: str) -> list[dict[str, Any]]:
    status, body, _ = http_get(f"{prom}/api/v1/query?query={urllib.parse.quote(expr)}")
    assert status == 200, body
    return json.loads(body)["data"]["result"]


def test_prometheus_scrapes_through_tls_and_basic_auth(tls_exporter: TlsExporter, cert: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    ca = cert[0]
    good = prometheus_config(tls_exporter, ca, basic_auth={"username": USER, "password": PASSWORD})
    # A second job with a wrong password: Prometheus must see 401, not data.
    bad = dict(good["scrape_configs"][0], job_name="wrong-password",
               basic_auth={"username": USER, "password": "wrong"})
    good["scrape_configs"].append(bad)
    prom, url = start_prometheus_with(tmp_path, good)
    try:
        def both_scraped() -> dict[str, dict[str, Any]] | None:
            by_job = {t["labels"]["job"]: t for t in targets(url)}
            if all(t["lastScrape"] != "0001-01-01T00:00:00Z" for t in by_job.values()) and len(by_job) == 2:
                return by_job
            return None

        wait_until(lambda: (by := both_scraped()) and by["sysmon"]["health"] == "up", 30, 0.2,
                   what="the https + basic auth target up")
        by_job = both_scraped()
        assert by_job is not None
        assert by_job["sysmon"]["lastError"] == "" and by_job["sysmon"]["scrapeUrl"].startswith("https://")
        assert by_job["wrong-password"]["health"] == "down"
        assert "401" in by_job["wrong-password"]["lastError"]
        ok = wait_until(lambda: query(url, 'min(node_scrape_collector_success{job="sysmon"} unless on (collector)'
                                           ' sysmon_collector_unavailable == 1)'), 15, 0.2,
                        what="collector metrics in Prometheus")
        assert ok[0]["value"][1] == "1"
    finally:
        prom.stop()
