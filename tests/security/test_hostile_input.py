"""Hostile requests against a live server: path tricks for /disk-usage-details, oversized and
malformed requests on a raw socket. Every one gets a 4xx quickly; the server keeps serving."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from exporter.web.app import CSP, MAX_CONTENT_LENGTH
from tests.support.security import LiveApp, live_app

pytestmark = [pytest.mark.integration, pytest.mark.security]

QUICK = 2.0  # seconds: every hostile request is answered within this


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    root = base / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "file").write_bytes(b"x" * 1000)
    (root / "%2e%2e").mkdir()  # a real directory with an encoded-looking name
    (base / "outside").mkdir()
    (base / "outside" / "secret").write_bytes(b"s" * 1000)
    (root / "escape").symlink_to(base / "outside")
    (root / "inner-link").symlink_to(root / "a")
    (root / "loop1").symlink_to(root / "loop2")
    (root / "loop2").symlink_to(root / "loop1")
    (root / "locked").mkdir(mode=0o000)
    return root


@pytest.fixture(scope="module")
def server(tree: Path) -> Iterator[LiveApp]:
    with live_app({"dirsize": {"roots": [str(tree)], "time_limit": "10s"}}) as app:
        yield app


def raw_get(app: LiveApp, target: str, method: str = "GET", headers: dict[str, str] | None = None,
            body: bytes | None = None) -> tuple[int, bytes, float, http.client.HTTPMessage]:
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
    start = time.monotonic()
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        return r.status, data, time.monotonic() - start, r.headers
    finally:
        conn.close()


def error_of(status: int, data: bytes) -> str:
    body = json.loads(data)
    assert isinstance(body["error"], str) and body["error"], body
    return body["error"]


def q(path: str) -> str:
    return "/disk-usage-details?path=" + quote(path, safe="/")


def cases(root: Path) -> list[tuple[str, str, set[int]]]:
    r = str(root)
    return [
        ("traversal with ..", q(r + "/../outside"), {403}),
        ("traversal deeper", q(r + "/a/b/../../../outside/secret"), {403}),
        ("percent-encoded ..", f"/disk-usage-details?path={quote(r)}/%2e%2e/outside", {403}),
        ("double-encoded .. is a literal name", f"/disk-usage-details?path={quote(r)}/%252e%252e", {200, 202}),
        ("symlink out of the root", q(r + "/escape"), {403}),
        ("symlink inside the root", q(r + "/inner-link"), {200, 202}),
        ("symlink loop", q(r + "/loop1"), {400}),
        ("NUL byte", f"/disk-usage-details?path={quote(r)}%00/a", {400}),
        ("NUL only", "/disk-usage-details?path=%00", {400}),
        ("invalid UTF-8", f"/disk-usage-details?path={quote(r)}/%ff%fe", {404}),
        ("overlong UTF-8 slash", f"/disk-usage-details?path={quote(r)}%c0%af..%c0%af", {403}),  # a sibling
        ("relative", q("a/b"), {400}),
        ("empty", "/disk-usage-details?path=", {400}),
        ("home shortcut", q("~"), {400}),
        ("not a directory", q(r + "/a/file"), {400}),
        ("missing", q(r + "/nope"), {404}),
        ("outside and missing", q("/nonexistent/x"), {403}),
        ("unreadable directory", q(r + "/locked"), {200, 202, 403}),
        ("file name too long", q(r + "/" + "y" * 300), {400, 404}),
        ("many components", q(r + "/a" * 2000), {400, 404}),
        ("backslashes", q(r + "\\..\\..\\outside"), {403}),  # one odd sibling name
        ("newline", q(r + "\n/a"), {403}),
        ("limit negative", q(r) + "&limit=-1", {400}),
        ("limit huge", q(r) + "&limit=" + "9" * 400, {400}),
        ("limit unicode digits", q(r) + "&limit=" + quote("\u0661\u0662"), {400}),
        ("repeated path", q(r) + "&path=/etc", {400}),
        ("unknown parameter", q(r) + "&rm=-rf", {400}),
    ]


def test_path_tricks_get_the_right_4xx_quickly(server: LiveApp, tree: Path) -> None:
    failures = []
    for name, target, expected in cases(tree):
        status, data, took, headers = raw_get(server, target)
        if status >= 400:
            error_of(status, data)
        if status not in expected or took > QUICK or headers["Content-Security-Policy"] != CSP:
            failures.append((name, status, round(took, 3), data[:200]))
    assert not failures, failures


def test_dotdot_after_a_symlink_never_reaches_outside(server: LiveApp, tree: Path) -> None:
    # realpath() resolves the symlink first: root/escape/.. is the parent of "outside",
    # which is outside the root.
    status, data, _, _ = raw_get(server, q(str(tree) + "/escape/.."))
    assert status == 403, data
    status, data, _, _ = raw_get(server, q(str(tree) + "/escape/../root"))
    assert status in (200, 202), data  # back inside the root: allowed, and reported as the root


def test_post_is_held_to_the_same_checks(server: LiveApp, tree: Path) -> None:
    for target, expected in ((q(str(tree) + "/../outside"), 403), (q(str(tree) + "/escape"), 403),
                             (f"/disk-usage-details?path={quote(str(tree))}%00", 400),
                             ("/disk-usage-details", 400)):
        status, data, _, _ = raw_get(server, target, method="POST", headers={"X-Requested-With": "test"})
        assert status == expected, (target, data)
        error_of(status, data)


def test_results_never_list_anything_outside_the_root(server: LiveApp, tree: Path) -> None:
    from tests.support.servers import wait_until

    def done() -> dict | None:
        status, data, _, _ = raw_get(server, q(str(tree)) + "&limit=100")
        return json.loads(data) if status == 200 else None

    body = wait_until(done, 15, what="the scan of the root")
    listed = [e["path"] for e in body["result"]["directories"] + body["result"]["files"]]
    assert listed and all(p.startswith(str(tree)) for p in listed), listed
    assert not any("secret" in p for p in listed)


def test_a_100_kb_query_is_refused_quickly(server: LiveApp, tree: Path) -> None:
    status, data, took, _ = raw_get(server, q(str(tree) + "/" + "z" * 100_000))
    assert took < QUICK
    if status == 414:  # cheroot's own limit (when max_request_header_size is set)
        return
    assert status == 400 and "longer than" in error_of(status, data)


@pytest.mark.parametrize("path", ["/disk-usage-details?path=/", "/data", "/metrics", "/history"])
def test_oversized_body_is_413_json(server: LiveApp, path: str) -> None:
    status, data, took, headers = raw_get(server, path, method="POST", body=b"x" * (MAX_CONTENT_LENGTH + 1))
    assert status == 413 and "too large" in error_of(status, data) and took < QUICK
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_lying_content_length_does_not_hang_the_server(server: LiveApp) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=QUICK) as s:
        s.sendall(b"POST /disk-usage-details HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\nabc")
        head = s.recv(200)
    assert head.startswith(b"HTTP/1.1 413"), head


def raw(app: LiveApp, payload: bytes, timeout: float = 5.0) -> tuple[bytes, float]:
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", app.port), timeout=timeout) as s:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            data = s.recv(4096)
        except ConnectionResetError:
            data = b""
    return data, time.monotonic() - start


def status_of(data: bytes) -> int:
    parts = data.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


@pytest.mark.parametrize(("name", "payload", "expected"), [
    ("garbage request line", b"GARBAGE\r\n\r\n", {400}),
    ("no version", b"GET /data\r\n\r\n", {400}),
    ("binary junk", bytes(range(256)) + b"\r\n\r\n", {400}),
    ("TLS hello on the plain port", bytes.fromhex("16030100a5010000a10303") + b"\x00" * 64 + b"\r\n\r\n", {400}),
    ("absolute URI elsewhere", b"GET http://example.com/data HTTP/1.1\r\nHost: example.com\r\n\r\n", {200, 400}),
    ("header without colon", b"GET /data HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n", {400}),
    ("NUL in path", b"GET /da\x00ta HTTP/1.1\r\nHost: x\r\n\r\n", {400, 404}),
    ("negative Content-Length", b"POST /data HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", {400, 405}),
    ("bad chunked", b"POST /data HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", {400, 405}),
    ("HTTP/9.9", b"GET /data HTTP/9.9\r\n\r\n", {505}),  # cheroot's RFC answer; the only 5xx, by design
    ("CONNECT", b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", {400, 404, 405}),
])
def test_malformed_requests_get_an_error_quickly(server: LiveApp, name: str, payload: bytes,
                                                 expected: set[int]) -> None:
    data, took = raw(server, payload)
    assert took < QUICK, name
    if data:  # closing the connection is an acceptable answer to junk
        assert status_of(data) in expected, (name, data[:200])


def test_server_still_serves_after_the_abuse(server: LiveApp) -> None:
    status, data, took, _ = raw_get(server, "/data")
    assert status == 200 and "cpu" in json.loads(data) and took < QUICK


def test_huge_headers_are_refused(server: LiveApp) -> None:
    payload = b"GET /data HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n"
    data, took = raw(server, payload)
    assert took < QUICK
    assert 400 <= status_of(data) < 500, data[:200]
