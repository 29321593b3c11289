"""Property-based fuzzing of every operation in /openapi.json against a live server on loopback.

Schemathesis generates both schema-conforming (positive) and schema-violating (negative)
requests for each operation; every answer must be < 500, and every error must be JSON
with a non-empty `error` message. Bounded: MAX_EXAMPLES per operation per mode.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporter.web.openapi_routes import openapi_spec
from tests.support.security import PASSWORD, USER, LiveApp, basic, bcrypt_hash, live_app

pytestmark = [pytest.mark.integration, pytest.mark.security]

MAX_EXAMPLES = 30
STATS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("fuzz")
    root = base / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "f").write_bytes(b"x" * 5000)
    (base / "outside").mkdir()
    (root / "escape").symlink_to(base / "outside")
    (root / "loop1").symlink_to(root / "loop2")
    (root / "loop2").symlink_to(root / "loop1")
    return root


@pytest.fixture(scope="module")
def server(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    config = {"web": {"basic_auth_users": {USER: bcrypt_hash(PASSWORD)}},
              "dirsize": {"roots": [str(tree)], "time_limit": "10s"},
              "history": {"enabled": True}}
    with live_app(config, history_dir=tmp_path_factory.mktemp("history")) as app:
        app.runtime.start()
        yield app


@pytest.fixture(scope="module")
def schema(server: LiveApp) -> Any:
    r = requests.get(server.url + "/openapi.json", headers=basic(USER, PASSWORD), timeout=5)
    assert r.status_code == 200
    return schemathesis.openapi.from_dict(r.json())


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def header(r: Any, name: str) -> str:
    """One header from a requests or a schemathesis response (the latter: lower-case keys, lists)."""
    for key, value in r.headers.items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) else value)
    return ""


def check_response(r: Any, what: str) -> None:
    STATS["cases"] += 1
    STATS[f"status_{r.status_code // 100}xx"] += 1
    assert r.status_code < 500, f"{what}: {r.status_code} {r.content[:300]!r}"
    if r.status_code >= 400:
        assert header(r, "Content-Type").startswith("application/json"), f"{what}: {r.headers}"
        body = json.loads(r.content)
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], f"{what}: {body}"
    assert header(r, "X-Content-Type-Options") == "nosniff", what


OPERATIONS = [(path, method) for path, methods in openapi_spec()["paths"].items() for method in methods]


def hostile_paths(root: Path) -> st.SearchStrategy[str]:
    r = str(root)
    return st.one_of(
        st.sampled_from([
            r, r + "/a", r + "/a/f", r + "/escape", r + "/escape/..", r + "/../outside", r + "/a/../../outside",
            r + "/loop1", r + "/./a/./b", r + "//a", "/", "/etc", "/proc/self", "a/relative", "", ".", "..",
            r + "/\x00", r + "\x00/a", r + "/a" * 3000, "/" + "x" * 5000, r + "/" + "y" * 300, "~", "~root",
            r + "/\u00e9\u4e2d\U0001f600", r + "/%2e%2e/outside", r + "/\udcff".encode("utf-8", "surrogatepass")
            .decode("utf-8", "replace"), "\\..\\..", r + "\n/a", r + "/a\r\nX-Injected: 1",
        ]),
        st.builds(lambda tail: r + "/" + tail, st.text(max_size=200)),
        st.text(max_size=300),
    )


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_operation_never_fails_and_errors_are_json(server: LiveApp, schema: Any, session: requests.Session,
                                                   tree: Path, path: str, method: str) -> None:
    op = schema[path][method.upper()]
    strategies = [op.as_strategy(schemathesis.GenerationMode.POSITIVE)]
    if op.query:  # operations without parameters have nothing to violate but unknown ones (below)
        strategies.append(op.as_strategy(schemathesis.GenerationMode.NEGATIVE))
    auth = st.sampled_from([basic(USER, PASSWORD), basic(USER, PASSWORD), {}, basic(USER, "wrong")])
    extra = st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=50), max_size=2)
    hostile = hostile_paths(tree) if op.get_parameter("path", "query") is not None else st.none()

    def run(case: Any, headers: dict[str, str], unknown: dict[str, str], path_value: str | None) -> None:
        params = dict(case.query or {}) if isinstance(case.query, dict) else {}
        if path_value is not None:
            params["path"] = path_value
        if unknown and STATS["cases"] % 3 == 0:
            params.update(unknown)
        r = case.call(base_url=server.url, session=session, headers=headers, params=params or None, timeout=10)
        check_response(r, f"{method.upper()} {path} {params!r}")
        if r.status_code in (200, 202) and header(r, "Content-Type").startswith("application/json"):
            op.validate_response(r)

    for strategy in strategies:  # MAX_EXAMPLES each: schema-conforming, then schema-violating
        settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                 suppress_health_check=list(HealthCheck))(
            given(case=strategy, headers=auth, unknown=extra, path_value=hostile)(run))()


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"])
def test_other_methods_are_refused_as_json(server: LiveApp, session: requests.Session, method: str) -> None:
    for path, _ in OPERATIONS:
        r = session.request(method, server.url + path, headers=basic(USER, PASSWORD), timeout=5)
        STATS["cases"] += 1
        assert r.status_code < 500, (method, path)
        if r.status_code >= 400 and method != "HEAD":
            assert r.json()["error"], (method, path)


def test_every_app_route_is_described(server: LiveApp) -> None:
    documented = set(openapi_spec()["paths"])
    routes = {rule.rule for rule in server.app.url_map.iter_rules()
              if not rule.rule.startswith("/static") and rule.rule != "/"}
    assert routes <= documented, routes - documented

