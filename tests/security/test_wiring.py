"""The app factory itself installs access control and /openapi.json: checked by behaviour,
on the app `create_app` returns (no helper adds anything)."""

from __future__ import annotations

import pytest

from exporter.config import config_from_dict
from exporter.runtime import build_runtime
from exporter.web.app import create_app
from tests.support.security import USER, bcrypt_hash

pytestmark = pytest.mark.security


_RUNTIMES: list[object] = []  # stopped at the module's end: each keeps descriptors of this host's processes


@pytest.fixture(scope="module", autouse=True)
def _stop_runtimes():
    yield
    while _RUNTIMES:
        _RUNTIMES.pop().stop()  # type: ignore[attr-defined]


def app_for(web: dict[str, object]):
    runtime = build_runtime(config_from_dict({"web": web, "dirsize": {"enabled": False},
                                              "history": {"enabled": False}}))
    _RUNTIMES.append(runtime)
    return create_app(runtime)


def test_openapi_is_served_by_the_factory() -> None:
    r = app_for({}).test_client().get("/openapi.json")
    assert r.status_code == 200 and r.get_json()["openapi"].startswith("3.")


def test_configured_users_lock_the_factorys_app() -> None:
    client = app_for({"basic_auth_users": {USER: bcrypt_hash("pw")}}).test_client()
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/data").status_code == 401


def test_the_body_cap_is_installed_without_users() -> None:
    r = app_for({}).test_client().post("/data", data=b"x" * (1 << 20))
    assert r.status_code == 413 and "too large" in r.get_json()["error"]
