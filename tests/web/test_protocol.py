"""exporter/web/protocol.py: the leaner request and gateway say on the wire what cheroot's said.

Each case parses one real request (a socket pair) and builds the environ and the response
head twice, with cheroot's own code and with ours, and compares them.
"""

from __future__ import annotations

import email.utils
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from cheroot import server as cheroot_server
from cheroot import wsgi
from cheroot.makefile import MakeFile

from exporter.config import config_from_dict
from exporter.web.protocol import JSONErrorConnection, JSONErrorRequest, WSGIGateway, http_date
from exporter.web.server import make_server


@pytest.fixture(scope="module")
def srv() -> Iterator[Any]:
    s = make_server(lambda env, start: [], config_from_dict({}).web, "127.0.0.1:0")
    s.prepare()
    yield s
    s.stop()  # its worker threads too: they would keep the interpreter from exiting


def parsed(srv: Any, raw: bytes) -> JSONErrorRequest:
    a, b = socket.socketpair()
    a.settimeout(5)
    b.sendall(raw)
    conn = JSONErrorConnection(srv, a, MakeFile)
    conn.remote_addr, conn.remote_port = "127.0.0.1", 40000
    req = JSONErrorRequest(srv, conn)
    req.parse_request()
    assert req.ready
    b.close()
    return req


REQUESTS = [
    b"GET /metrics?collect[]=cpu&x=%41 HTTP/1.1\r\nHost: h:1\r\nAccept: text/plain\r\nAccept-Encoding: gzip\r\n\r\n",
    b"POST /api/a%2Fb%20c HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
    b"X-Requested-With: x\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n{}",
    b"GET / HTTP/1.0\r\n\r\n",
]


@pytest.mark.parametrize("raw", REQUESTS)
def test_the_environ_is_cheroots(srv: Any, raw: bytes) -> None:
    req = parsed(srv, raw)
    ours = WSGIGateway(req).env
    theirs = wsgi.Gateway_10(req).env
    assert ours == theirs


CASES = [  # (request, status, headers)
    (REQUESTS[0], "200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")]),
    (REQUESTS[0], "200 OK", [("Content-Type", "text/plain")]),  # no length on 1.1: chunked
    (b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", "200 OK", [("Content-Type", "text/html")]),  # HEAD, no length: close
    (REQUESTS[0], "304 Not Modified", [("ETag", '"x"')]),
    (REQUESTS[0], "413 Payload Too Large", [("Content-Length", "0")]),
    (REQUESTS[2], "200 OK", [("Content-Length", "3")]),  # HTTP/1.0: no keep-alive asked
    (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "200 OK", [("Content-Length", "3")]),
    (REQUESTS[0], "400 Bad Request", [("Content-Length", "2"), ("Connection", "close")]),
    (REQUESTS[1], "201 Created", [("Content-Length", "2"), ("Server", "mine"), ("Date", "then")]),
]


class _Collect:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.sent.append(data)
        return len(data)


def _without_date(head: bytes) -> tuple[list[bytes], int]:
    lines = head.split(b"\r\n")
    return [x for x in lines if not x.startswith(b"Date: ")], sum(x.startswith(b"Date: ") for x in lines)


@pytest.mark.parametrize(("raw", "status", "headers"), CASES)
def test_the_response_head_is_cheroots(srv: Any, raw: bytes, status: str, headers: list[tuple[str, str]]) -> None:
    heads, flags = [], []
    for ours in (True, False):
        req = parsed(srv, raw)  # read_request_headers decided close_connection as cheroot does
        gw = WSGIGateway(req) if ours else wsgi.Gateway_10(req)
        gw.start_response(status, headers)
        req.rfile = cheroot_server.KnownLengthRFile(req.conn.rfile, int(req.inheaders.get(b"Content-Length", 0)))
        collect = _Collect()
        req.conn.wfile = collect
        if ours:
            req.send_headers()
        else:
            cheroot_server.HTTPRequest.send_headers(req)
        heads.append(req._head + b"".join(collect.sent))
        flags.append((req.close_connection, req.chunked_write, getattr(req.rfile, "remaining", 0)))
    assert heads[0].startswith(b"HTTP/1.1 " + status.encode() + b"\r\n")
    assert _without_date(heads[0]) == _without_date(heads[1])
    assert flags[0] == flags[1]


def test_start_response_refuses_what_cheroot_refuses(srv: Any) -> None:
    for bad in ([(b"X", "1")], [("X", 1)]):
        with pytest.raises(TypeError):
            WSGIGateway(parsed(srv, REQUESTS[0])).start_response("200 OK", bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        WSGIGateway(parsed(srv, REQUESTS[0])).start_response(b"200 OK", [])  # type: ignore[arg-type]
    gw = WSGIGateway(parsed(srv, REQUESTS[0]))
    gw.start_response("200 OK", [])
    with pytest.raises(RuntimeError):
        gw.start_response("200 OK", [])


def test_the_date_is_the_current_second() -> None:
    assert http_date(1_000_000_000.2) == email.utils.formatdate(1_000_000_000, usegmt=True).encode()
    assert http_date(1_000_000_000.9) == http_date(1_000_000_000.2)
    assert http_date(1_000_000_001.0) == email.utils.formatdate(1_000_000_001, usegmt=True).encode()
