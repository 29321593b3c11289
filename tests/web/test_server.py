"""The real cheroot server (exporter/web/server.py) writing responses: head and body in one write."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from exporter.web.streams import SocketWriter
from tests.support.security import LiveApp, live_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[LiveApp]:
    with live_app({"dirsize": {"enabled": False}, "history": {"enabled": False}}) as app:
        yield app


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every write of the connections (each one is sent at once: one send per write)."""
    seen: list[bytes] = []
    lock = threading.Lock()
    original = SocketWriter.write

    def counted(self: Any, data: bytes, *args: Any, **kw: Any) -> Any:
        with lock:
            seen.append(bytes(data))
        return original(self, data, *args, **kw)

    monkeypatch.setattr(SocketWriter, "write", counted)
    return seen


@pytest.mark.parametrize(("method", "path", "headers", "status"), [
    ("GET", "/healthz", {}, 200),
    ("GET", "/metrics", {"Accept-Encoding": "gzip"}, 200),
    ("GET", "/", {}, 200),
    ("HEAD", "/", {}, 200),
    ("GET", "/nope", {}, 404),
    ("POST", "/data", {}, 405),
    ("GET", "/static/css/app.css", {"If-None-Match": "*"}, 304),
])
def test_one_write_per_response_and_keep_alive_still_works(server: LiveApp, writes: list[bytes], method: str,
                                                           path: str, headers: dict[str, str], status: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for _ in range(2):  # the second request on the same connection: the first was framed right
            writes.clear()
            conn.request(method, path, headers=headers)
            r = conn.getresponse()
            body = r.read()
            assert r.status == status
            assert len(writes) == 1, [w[:80] for w in writes]
            head, _, sent_body = writes[0].partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 %d" % status)
            assert b"Content-Security-Policy:" in head
            assert sent_body == body
            if method == "HEAD" or status == 304:
                assert body == b""
            assert not r.getheader("Connection", "").lower() == "close"
    finally:
        conn.close()


def test_a_closed_connection_releases_its_descriptor_and_sends_fin(server: LiveApp) -> None:
    """close() without shutdown(): nothing may keep the descriptor open behind it (the FIN would wait for GC)."""
    from cheroot.makefile import MakeFile

    from exporter.web.protocol import JSONErrorConnection

    a, b = socket.socketpair()
    a.settimeout(5)
    b.settimeout(5)
    conn = JSONErrorConnection(server.server, a, MakeFile)
    assert conn.wfile.write(b"bye") == 3
    conn.close()
    assert a.fileno() == -1  # closed for real, not deferred by an open file object
    assert b.recv(16) == b"bye"
    assert b.recv(16) == b""  # the peer sees the end
    b.close()


@pytest.mark.parametrize("requests", [1, 3])
def test_connection_close_and_pipelined_requests_are_answered_then_closed(server: LiveApp, requests: int) -> None:
    """Requests sent together on one socket, the last asking to close: every answer, then EOF."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        s.sendall((head + b"\r\n") * (requests - 1) + head + b"Connection: close\r\n\r\n")
        got = bytearray()
        while chunk := s.recv(65536):
            got.extend(chunk)
    assert got.count(b"HTTP/1.1 200 OK") == requests
