"""Cross-site POSTs, DNS rebinding, rescan floods and huge numbers, on the real app factory
(issue 16, cases 4 and 11, and the Host check)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exporter.config import config_from_dict
from exporter.runtime import build_runtime
from exporter.web.app import create_app
from exporter.web.auth import allowed_hosts, host_name
from exporter.web.dirsize_routes import CLIENT_BURST
from tests.support.dirsize import wait_for

_RUNTIMES: list[Any] = []


@pytest.fixture(autouse=True)
def _stop_runtimes() -> Any:
    """Every runtime a test built is stopped (threads, scans, the reader's open /proc files)."""
    yield
    while _RUNTIMES:
        _RUNTIMES.pop().stop()


def client(tmp_path: Path, web: dict[str, Any] | None = None, **dirsize: Any) -> Any:
    (tmp_path / "root" / "a").mkdir(parents=True, exist_ok=True)
    config = config_from_dict({
        "web": web or {}, "history": {"enabled": False},
        "dirsize": {"roots": [str(tmp_path / "root")], **dirsize},
    })
    runtime = build_runtime(config)
    _RUNTIMES.append(runtime)
    return create_app(runtime).test_client(), runtime


@pytest.fixture
def app(tmp_path: Path) -> Any:
    c, _runtime = client(tmp_path, rescan_min_interval="0s")
    return c


def post(c: Any, path: str, **headers: str) -> Any:
    return c.post("/disk-usage-details", query_string={"path": path}, headers=headers)


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 403),  # a bare client: no proof it is not a cross-site form
    ({"Sec-Fetch-Site": "cross-site"}, 403),  # what a browser sends for a form on another site
    ({"Sec-Fetch-Site": "same-site"}, 403),  # another port on the same host is another origin
    ({"Origin": "http://evil.example"}, 403),  # an older browser: no Sec-Fetch-Site, but an Origin
    ({"Origin": "null"}, 403),  # a sandboxed iframe or a file: page
    ({"Sec-Fetch-Site": "same-origin"}, 202),  # the page itself, in a browser
    ({"Origin": "http://localhost"}, 202),  # our own origin (the test client's Host is localhost)
    ({"X-Requested-With": "fetch"}, 202),  # the page's custom header, or a script that sets it
])
def test_post_needs_a_same_origin_request(app: Any, tmp_path: Path, headers: dict[str, str], status: int) -> None:
    r = post(app, str(tmp_path / "root"), **headers)
    assert r.status_code == status, r.get_json()
    if status == 403:
        assert "same-origin" in r.get_json()["error"] and "X-Requested-With" in r.get_json()["error"]


def test_a_cross_site_form_post_starts_no_scan(app: Any, tmp_path: Path) -> None:
    """The HTML form of issue 16: urlencoded body, cross-site, no custom header."""
    r = app.post(f"/disk-usage-details?path={tmp_path / 'root'}", data={"x": "1"},
                 headers={"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"})
    assert r.status_code == 403
    assert app.application.runtime.dirsize.view(tmp_path / "root").scans == 0


def test_a_client_cannot_rescan_without_limit(app: Any, tmp_path: Path) -> None:
    """Case 11: at most CLIENT_BURST accepted rescans, then 429 with Retry-After."""
    svc = app.application.runtime.dirsize
    statuses = []
    for _ in range(CLIENT_BURST + 5):
        # wait for the previous one: joining a queued scan is free and would not count
        wait_for(lambda: (v := svc.view(tmp_path / "root")) is None or not (v.running or v.queued))
        r = post(app, str(tmp_path / "root"), **{"X-Requested-With": "t"})
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["Retry-After"]) >= 1
            assert "too many rescans" in r.get_json()["error"]
    assert statuses.count(202) <= CLIENT_BURST
    assert statuses[-1] == 429


def test_rescans_too_soon_are_429(tmp_path: Path) -> None:
    c, runtime = client(tmp_path, rescan_min_interval="1h")
    svc = runtime.dirsize
    r = post(c, str(tmp_path / "root"), **{"X-Requested-With": "t"})
    assert r.status_code == 202
    wait_for(lambda: svc.view(tmp_path / "root").result is not None)
    r = post(c, str(tmp_path / "root"), **{"X-Requested-With": "t"})
    assert r.status_code == 429, r.get_json()
    assert 3500 < int(r.headers["Retry-After"]) <= 3600


@pytest.mark.parametrize("value", ["9" * 4301, "1" + "0" * 5000, "0" * 50 + "5", "1_0", " 5", "５", "5.0", "-0"])
def test_numbers_are_bounded_before_conversion(app: Any, tmp_path: Path, value: str) -> None:
    """Case 4: a 4,301-digit limit used to be a 500 (int()'s digit limit)."""
    r = app.get("/disk-usage-details", query_string={"path": str(tmp_path / "root"), "limit": value})
    if value == "0" * 50 + "5":
        assert r.status_code in (200, 202)  # leading zeros are still a small number
        return
    assert r.status_code == 400, r.get_json()
    error = r.get_json()["error"]
    assert error.startswith("limit: ") and len(error) < 200


def test_history_points_are_bounded_before_conversion(tmp_path: Path) -> None:
    from exporter.web.errors import ApiError
    from exporter.web.params import whole_number

    for text in ("9" * 4301, "١٢", "1_000"):
        with pytest.raises(ApiError) as e:
            whole_number("points", text, 1, 2000)
        assert e.value.status == 400 and len(e.value.message) < 200
    assert whole_number("points", "0007", 1, 2000) == 7


@pytest.mark.parametrize(("listen", "configured", "host", "ok"), [
    ("127.0.0.1:9877", [], "127.0.0.1:9877", True),
    ("127.0.0.1:9877", [], "localhost:9877", True),
    ("127.0.0.1:9877", [], "[::1]:9877", True),
    ("127.0.0.1:9877", [], "evil.example:9877", False),  # DNS rebinding
    ("127.0.0.1:9877", [], "127.0.0.1.evil.example", False),
    ("[::1]:9877", [], "localhost", True),
    ("0.0.0.0:9877", [], "anything.example", True),  # opened up with no list: any name
    ("0.0.0.0:9877", ["mon.example"], "MON.example:9877", True),
    ("0.0.0.0:9877", ["mon.example"], "other.example", False),
])
def test_host_header_is_checked(tmp_path: Path, listen: str, configured: list[str], host: str, ok: bool) -> None:
    c, runtime = client(tmp_path, {"listen": listen, "allowed_hosts": configured}, enabled=False)
    r = c.get("/healthz", headers={"Host": host})
    if ok:
        assert r.status_code == 200
    else:
        assert r.status_code == 400
        assert "not allowed" in r.get_json()["error"] and "web.allowed_hosts" in r.get_json()["error"]


def test_host_name_parsing() -> None:
    assert host_name("Example.ORG:9877") == "example.org"
    assert host_name("[::1]:9877") == "::1"
    assert host_name("::1") == "::1"
    from exporter.config import WebConfig

    assert allowed_hosts(WebConfig(listen="0.0.0.0:1")) is None
    assert allowed_hosts(WebConfig(listen="localhost:1")) == {"localhost", "127.0.0.1", "::1"}


@pytest.mark.parametrize(("accept", "gzipped"), [
    ("gzip", True), ("gzip;q=0", False), ("*", True), ("*;q=0", False), ("identity", False),
    ("deflate, gzip;q=0.5", True), ("x-gzip-not", False), (None, False),
    ("br, " * 80 + "gzip;q=0", False), ("br, " * 80 + "gzip", True),  # past the remembered values' 256 characters
])
def test_accept_encoding_is_parsed_not_substring_matched(tmp_path: Path, accept: str | None, gzipped: bool) -> None:
    c, _runtime = client(tmp_path, enabled=False)
    headers = {} if accept is None else {"Accept-Encoding": accept}
    for path in ("/metrics", "/data"):
        r = c.get(path, headers=headers)
        assert r.status_code == 200
        assert (r.headers.get("Content-Encoding") == "gzip") is gzipped, (path, accept)
        assert r.headers["Vary"] == "Accept-Encoding"  # caches must key on it
