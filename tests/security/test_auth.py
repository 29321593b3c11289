"""Basic auth and the body cap on the real app factory (Werkzeug test client), and BasicAuth itself."""

from __future__ import annotations

import json
from typing import Any

import pytest

from exporter.config import config_from_dict
from exporter.runtime import build_runtime
from exporter.web.app import CSP, MAX_CONTENT_LENGTH, create_app
from exporter.web.auth import BCRYPT_MAX_PASSWORD, BasicAuth
from tests.support.security import PASSWORD, USER, basic, bcrypt_hash

pytestmark = pytest.mark.security

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@pytest.fixture(scope="module")
def user_hash() -> str:
    return bcrypt_hash(PASSWORD)


_RUNTIMES: list[Any] = []  # stopped at the module's end: each keeps descriptors of this host's processes


@pytest.fixture(scope="module", autouse=True)
def _stop_runtimes() -> Any:
    yield
    while _RUNTIMES:
        _RUNTIMES.pop().stop()


def client(web: dict[str, Any]) -> Any:
    runtime = build_runtime(config_from_dict({"web": web, "dirsize": {"enabled": False},
                                              "history": {"enabled": False}}))
    _RUNTIMES.append(runtime)
    return create_app(runtime).test_client()


@pytest.fixture(scope="module")
def locked(user_hash: str) -> Any:
    return client({"basic_auth_users": {USER: user_hash}})


def assert_401(r: Any) -> None:
    assert r.status_code == 401
    assert r.mimetype == "application/json"
    assert r.get_json() == {"error": "authentication required"}
    assert r.headers["WWW-Authenticate"] == 'Basic realm="sysmon"'
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value, name


@pytest.mark.parametrize("path", ["/", "/data", "/alerts", "/metrics", "/openapi.json", "/nope",
                                  "/disk-usage-details", "/history/series", "/static/js/main.js"])
def test_every_route_needs_a_login(locked: Any, path: str) -> None:
    assert_401(locked.get(path))
    assert_401(locked.post(path))


@pytest.mark.parametrize("headers", [
    basic(USER, "wrong"),
    basic("someone", PASSWORD),
    basic(USER, ""),
    basic("", ""),
    basic(USER, PASSWORD.upper()),
    basic(USER, PASSWORD + "x" * 200),  # over bcrypt's 72 bytes: refused, no 500
    basic(USER, PASSWORD + "\x00"),
    basic(USER + "\u00e9", PASSWORD),
    {"Authorization": "Basic !!!not-base64"},
    {"Authorization": "Basic " + "QQ==" * 5000},
    {"Authorization": "Bearer abc"},
    {"Authorization": "Digest username=prometheus"},
    {"Authorization": ""},
])
def test_wrong_or_malformed_credentials_get_401_json(locked: Any, headers: dict[str, str]) -> None:
    assert_401(locked.get("/data", headers=headers))


def test_right_credentials_open_everything(locked: Any) -> None:
    auth = basic(USER, PASSWORD)
    r = locked.get("/data", headers=auth)
    assert r.status_code == 200 and "cpu" in r.get_json()
    assert locked.get("/metrics", headers=auth).status_code == 200
    assert locked.get("/openapi.json", headers=auth).status_code == 200
    r = locked.get("/", headers=auth)
    assert r.status_code == 200 and r.headers["Content-Security-Policy"] == CSP


def test_healthz_is_open_but_says_only_ok(locked: Any) -> None:
    r = locked.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}
    assert r.headers["X-Frame-Options"] == "DENY"
    r = locked.get("/healthz", headers=basic(USER, "wrong"))
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}
    full = locked.get("/healthz", headers=basic(USER, PASSWORD)).get_json()
    assert full["status"] == "ok" and "version" in full and "failing_collectors" in full


def test_metrics_can_stay_open_while_the_page_needs_a_login(user_hash: str) -> None:
    c = client({"basic_auth_users": {USER: user_hash}, "metrics_require_auth": False})
    r = c.get("/metrics")
    assert r.status_code == 200 and b"node_cpu_seconds_total" in r.data
    assert_401(c.get("/data"))
    assert_401(c.get("/"))
    assert_401(c.get("/alerts"))
    assert c.get("/data", headers=basic(USER, PASSWORD)).status_code == 200


def test_no_users_means_no_login() -> None:
    c = client({})
    assert c.get("/data").status_code == 200
    assert c.get("/healthz").get_json()["status"] == "ok"
    assert "version" in c.get("/healthz").get_json()


@pytest.mark.parametrize("auth_on", [False, True])
def test_oversized_body_is_413_json_before_any_route(user_hash: str, auth_on: bool) -> None:
    c = client({"basic_auth_users": {USER: user_hash}} if auth_on else {})
    headers = basic(USER, PASSWORD) if auth_on else {}
    for path in ("/data", "/disk-usage-details?path=/", "/metrics"):
        r = c.post(path, data=b"x" * (MAX_CONTENT_LENGTH + 1), headers=headers)
        assert r.status_code == 413, path
        assert "too large" in r.get_json()["error"]
        assert r.headers["Content-Security-Policy"] == CSP
    assert c.post("/data", data=b"x" * 100, headers=headers).status_code == 405  # small bodies reach routes


def test_successful_checks_are_cached_failures_are_not() -> None:
    now = [1000.0]
    h = bcrypt_hash("pw")
    auth = BasicAuth({"u": h}, ttl=60, clock=lambda: now[0])
    assert auth.check("u", "pw") and auth.bcrypt_checks == 1
    for _ in range(20):
        assert auth.check("u", "pw")
    assert auth.bcrypt_checks == 1  # served from the cache
    assert not auth.check("u", "nope") and not auth.check("u", "nope")
    assert auth.bcrypt_checks == 3  # failures always pay bcrypt
    now[0] += 61
    assert auth.check("u", "pw") and auth.bcrypt_checks == 4  # expired: checked again


def test_cache_key_separates_user_and_password() -> None:
    auth = BasicAuth({"ab": bcrypt_hash("c")})
    assert auth.check("ab", "c")
    assert not auth.check("a", "bc")  # same concatenation, different pair
    assert BasicAuth._key("ab", "c") != BasicAuth._key("a", "bc")


def test_unknown_user_still_pays_bcrypt_and_long_passwords_never_match() -> None:
    auth = BasicAuth({"u": bcrypt_hash("p" * BCRYPT_MAX_PASSWORD)})
    assert not auth.check("other", "p" * BCRYPT_MAX_PASSWORD)  # the right password of another user
    assert auth.bcrypt_checks == 1
    assert auth.check("u", "p" * BCRYPT_MAX_PASSWORD)
    assert not auth.check("u", "p" * (BCRYPT_MAX_PASSWORD + 1))  # bcrypt would truncate; we refuse


def test_cache_is_bounded() -> None:
    auth = BasicAuth({f"u{i}": bcrypt_hash("p") for i in range(5)}, max_entries=3)
    for i in range(5):
        assert auth.check(f"u{i}", "p")
    assert len(auth._cache) <= 3


def test_malformed_hash_refuses_instead_of_failing(caplog: pytest.LogCaptureFixture) -> None:
    """Issue 16 case 6: the configuration refuses such a hash (tests/test_config.py); should one
    reach BasicAuth anyway, a login fails quietly: nothing the client sent is logged from here."""
    auth = BasicAuth({"u": "$2b$12$not-a-real-hash"})
    assert not auth.check("u\nFAKE LOG LINE", "x")
    assert not auth.check("u", "x")
    assert "FAKE" not in caplog.text


def test_a_user_name_with_a_newline_cannot_forge_a_log_line(user_hash: str,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    c = client({"basic_auth_users": {USER: user_hash}})
    c.get("/data", headers=basic("mallory\n2026-01-01 INFO exporter: forged", "x"))
    failures = [r.getMessage() for r in caplog.records if "basic auth failed" in r.getMessage()]
    assert failures and all("\n" not in m for m in failures)
    assert "'mallory\\n2026" in failures[0]  # repr: the newline is shown escaped


def test_failed_logins_are_logged_without_passwords(user_hash: str, caplog: pytest.LogCaptureFixture) -> None:
    c = client({"basic_auth_users": {USER: user_hash}})
    c.get("/data", headers=basic("mallory", "hunter2-secret"))
    assert "mallory" in caplog.text and "hunter2-secret" not in caplog.text


def test_openapi_document_is_served_and_complete(locked: Any) -> None:
    r = locked.get("/openapi.json", headers=basic(USER, PASSWORD))
    spec = json.loads(r.data)
    assert r.mimetype == "application/json" and spec["openapi"].startswith("3.")
    assert {"/data", "/alerts", "/healthz", "/metrics", "/disk-usage-details", "/history",
            "/history/series"} <= set(spec["paths"])
    assert set(spec["paths"]["/disk-usage-details"]) == {"get", "post"}
    r = locked.get("/openapi.json?x=1", headers=basic(USER, PASSWORD))
    assert r.status_code == 400 and "error" in r.get_json()
