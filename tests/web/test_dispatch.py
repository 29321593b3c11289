"""The rules every answer follows (exporter/web/dispatch.py), through HTTP on the real app and on a bare WebApp."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from werkzeug.wrappers import Response

from exporter.config import config_from_dict
from exporter.runtime import build_runtime
from exporter.web.app import STATIC_DIR, create_app
from exporter.web.dispatch import CSP, WebApp, json_response, route
from exporter.web.errors import ApiError


@pytest.fixture(scope="module")
def client() -> Any:
    runtime = build_runtime(config_from_dict({"history": {"enabled": False}, "dirsize": {"enabled": False}}))
    yield create_app(runtime).test_client()
    runtime.stop()


def _boom(_request: Any) -> Response:
    raise RuntimeError("secret detail /etc/shadow")


def _api_error(_request: Any) -> Response:
    raise ApiError(429, "slow down", {"Retry-After": "7"})


def _own_csp(_request: Any) -> Response:
    return Response("x", headers={"Content-Security-Policy": "default-src 'none'"})


def _ordered(_request: Any) -> Response:
    return json_response({"z": 1, "a": "é", "m": [None, True]})


@pytest.fixture
def bare() -> Any:
    rules = [route("/boom", _boom), route("/limited", _api_error), route("/ordered", _ordered),
             route("/post-only", _ordered, methods=("POST",)), route("/dir/", _ordered),
             route("/own-csp", _own_csp)]
    return WebApp(rules, SimpleNamespace()).test_client()


def test_405_is_json_with_allow(client: Any) -> None:
    r = client.post("/data")
    assert r.status_code == 405 and r.get_json()["error"]
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert r.headers["Content-Security-Policy"] == CSP


def test_options_answers_allow_for_a_known_path_and_404_otherwise(client: Any) -> None:
    r = client.options("/disk-usage-details")
    assert r.status_code == 200 and r.get_data() == b""
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    r = client.options("/nope")
    assert r.status_code == 404 and r.get_json()["error"]


def test_head_is_the_get_without_its_body(client: Any) -> None:
    get, head = client.get("/"), client.head("/")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == str(len(get.get_data()))
    assert head.headers["Content-Type"] == get.headers["Content-Type"] == "text/html; charset=utf-8"


def test_unexpected_errors_are_a_500_json_without_the_traceback_and_are_logged(
        bare: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="exporter.web.dispatch"):
        r = bare.get("/boom")
    assert r.status_code == 500
    assert r.get_json() == {"error": "internal error; see the exporter's log"}
    assert b"shadow" not in r.get_data() and r.headers["X-Frame-Options"] == "DENY"
    record = next(rec for rec in caplog.records if "unhandled error on GET /boom" in rec.getMessage())
    assert record.exc_info is not None and "shadow" in str(record.exc_info[1])


def test_api_errors_keep_their_status_and_headers(bare: Any) -> None:
    r = bare.get("/limited")
    assert r.status_code == 429 and r.get_json() == {"error": "slow down"} and r.headers["Retry-After"] == "7"


def test_json_is_compact_in_insertion_order_ascii_with_a_final_newline(bare: Any) -> None:
    r = bare.get("/ordered")
    assert r.content_type == "application/json"
    assert r.get_data() == b'{"z":1,"a":"\\u00e9","m":[null,true]}\n'
    assert list(json.loads(r.get_data())) == ["z", "a", "m"]


def test_routing_redirects_stay_werkzeugs(bare: Any) -> None:
    r = bare.get("/dir")  # a rule with a trailing slash: redirected to it
    assert r.status_code == 308 and r.headers["Location"].endswith("/dir/")
    assert bare.get("/post-only").status_code == 405


def test_a_redirect_names_each_requests_own_host_and_query(bare: Any) -> None:
    """The bound adapters are kept per Host: a redirect for one client never carries another's."""
    for host in ("a.example:9100", "b.example:9100", "a.example:9100"):
        r = bare.get("/dir", headers={"Host": host}, query_string="x=é&y=1")
        assert r.status_code == 308
        assert r.headers["Location"] == f"http://{host}/dir/?x=%C3%A9&y=1"


def test_routing_with_kept_adapters_equals_binding_each_request(bare: Any) -> None:
    from werkzeug.exceptions import HTTPException
    from werkzeug.test import EnvironBuilder

    app = bare.application
    cases = [("GET", "/ordered", ""), ("GET", "/dir", "q=1"), ("POST", "/ordered", ""), ("GET", "/nope/é", ""),
             ("GET", "//ordered", ""), ("OPTIONS", "/post-only", ""), ("HEAD", "/ordered", "")]
    for _ in range(2):  # second round: from the kept adapters
        for method, path, query in cases:
            env = EnvironBuilder(path=path, method=method, query_string=query, headers=[("Host", "h:1")]).get_environ()
            results: list[Any] = []
            none: dict[str, str] = {}
            for adapter, kw in ((app.url_map.bind_to_environ(env), none),
                                (app.adapter(env), {"path_info": env["PATH_INFO"].encode("latin-1").decode(),
                                                    "method": method, "query_args": query})):
                try:
                    results.append(adapter.match(return_rule=True, **kw))
                except HTTPException as e:
                    results.append((type(e), getattr(e, "new_url", None)))
            assert results[0] == results[1], (method, path)


def test_kept_adapters_are_bounded(bare: Any) -> None:
    from exporter.web.dispatch import ADAPTERS

    for i in range(ADAPTERS * 3):
        assert bare.get("/ordered", headers={"Host": f"h{i}.example"}).status_code == 200
        assert len(bare.application._adapters) <= ADAPTERS


def test_a_host_that_cannot_be_bound_is_a_400_json(bare: Any) -> None:
    r = bare.get("/ordered", headers={"Host": "a" * 70 + ".example"})  # an IDNA label over 63 characters
    assert r.status_code == 400 and "error" in r.get_json()


def test_static_files_revalidate_with_etag_and_last_modified(client: Any) -> None:
    r = client.get("/static/css/app.css")
    assert r.status_code == 200 and r.get_data() == (STATIC_DIR / "css" / "app.css").read_bytes()
    assert r.headers["Cache-Control"] == "no-cache" and r.content_type == "text/css; charset=utf-8"
    assert r.headers["Content-Security-Policy"] == CSP
    etag, modified = r.headers["ETag"], r.headers["Last-Modified"]
    assert client.get("/static/css/app.css", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/static/css/app.css", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/static/css/app.css", headers={"If-None-Match": '"other"'}).status_code == 200
    part = client.get("/static/css/app.css", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and len(part.get_data()) == 10
    assert client.get("/static/js/main.js").content_type == "text/javascript; charset=utf-8"


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
                                  "/static/css/../../app.py", "/static//etc/passwd", "/static/nope.css",
                                  "/static/", "/static/css"])
def test_static_paths_outside_the_directory_or_missing_are_404_json(client: Any, path: str) -> None:
    r = client.get(path, follow_redirects=True)  # "//" is merged by a redirect first
    assert r.status_code == 404, path
    assert r.get_json()["error"]
    assert Path(STATIC_DIR.parent / "app.py").read_bytes() not in r.get_data()


def test_security_headers_are_added_once_and_never_over_a_routes_own(bare: Any) -> None:
    r = bare.get("/own-csp")
    assert r.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert r.headers.getlist("X-Frame-Options") == ["DENY"]
    for path in ("/ordered", "/nope", "/boom"):
        headers = bare.get(path).headers
        assert [headers.getlist(name) for name in ("Content-Security-Policy", "X-Content-Type-Options")] == [
            [CSP], ["nosniff"]], path


@pytest.mark.parametrize(("make", "buffered"), [
    (lambda: json_response({"error": "nope"}, 404), True),
    (lambda: Response(b"\x1f\x8b gz", content_type="text/plain", headers={"Content-Encoding": "gzip"}), True),
    (lambda: Response("é", mimetype="text/html"), True),
    (lambda: Response("x", headers={"Content-Security-Policy": "default-src 'none'"}), True),
    (lambda: Response("moved", 302, headers={"Location": "/elsewhere"}), False),  # Werkzeug fixes Location
    (lambda: Response(status=304), False),
    (lambda: Response(iter([b"a", b"b"])), False),  # streamed
])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_buffered_answer_is_what_werkzeug_sends(make: Any, buffered: bool, method: str) -> None:
    from werkzeug.test import EnvironBuilder

    from exporter.web.dispatch import _buffered_answer, _with_security_headers

    env = EnvironBuilder(path="/x", method=method).get_environ()
    sent: list[Any] = []
    body = b"".join(make()(env, _with_security_headers(lambda s, h, e=None: sent.append((s, h)))))  # type: ignore
    answer = _buffered_answer(make(), method == "HEAD")
    assert (answer is not None) == buffered
    if answer is not None:
        assert (answer[0], answer[1]) == sent[0]
        assert b"".join(answer[2]) == body
