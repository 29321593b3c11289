"""Slow and silent clients cannot stall the server (issue 16, cases 8 and 9), TLS included.

Real sockets on 127.0.0.1 against the real server (GatedServer, 8 worker threads, the
real app). Each test times a normal request while the hostile sockets are open; before
the gate these took 9-30 s. The gate's head timeout is set to 1.5 s here (5 s in
production) so the tests that wait for it stay short; every wait has a deadline.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.security import LiveApp, live_app, make_cert
from tests.support.servers import wait_until

pytestmark = [pytest.mark.security, pytest.mark.integration]  # a real server on loopback

FAST = 2.0  # seconds: a normal request while the hostile sockets are open (before the gate: 10 s to never)
HEAD_TIMEOUT = 1.5


@pytest.fixture(scope="module")
def plain() -> Iterator[LiveApp]:
    with live_app({"dirsize": {"enabled": False}, "history": {"enabled": False}}) as app:
        app.server.gate.head_timeout = HEAD_TIMEOUT
        timed_get(app, "/data")  # the first collection is not what these tests time
        yield app


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, Path]]:
    cert, key = make_cert(tmp_path_factory.mktemp("tls"))
    key.chmod(0o600)
    with live_app({"dirsize": {"enabled": False}, "history": {"enabled": False},
                   "web": {"tls_cert_file": str(cert), "tls_key_file": str(key)}}) as app:
        app.server.gate.head_timeout = HEAD_TIMEOUT
        timed_get(app, "/data", cert)
        yield app, cert


def timed_get(app: LiveApp, path: str = "/healthz", cafile: Path | None = None) -> tuple[int, float]:
    start = time.monotonic()
    if cafile is not None:
        ctx = ssl.create_default_context(cafile=str(cafile))
        conn: http.client.HTTPConnection = http.client.HTTPSConnection("127.0.0.1", app.port, timeout=20,
                                                                       context=ctx)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=20)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        return r.status, time.monotonic() - start
    finally:
        conn.close()


def open_sockets(stack: ExitStack, app: LiveApp, n: int) -> list[socket.socket]:
    socks = []
    for _ in range(n):
        s = stack.enter_context(socket.create_connection(("127.0.0.1", app.port), timeout=10))
        socks.append(s)
    return socks


def closed_by_server(s: socket.socket, timeout: float) -> bool:
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def test_one_silent_tls_socket_does_not_stall_anyone(tls: tuple[LiveApp, Path]) -> None:
    """Case 8: a TCP connection to the TLS port that never sends a ClientHello (was: 9 s for everyone)."""
    app, cert = tls
    with ExitStack() as stack:
        (silent,) = open_sockets(stack, app, 1)
        times = [timed_get(app, "/healthz", cert) for _ in range(5)]
        assert all(status == 200 for status, _ in times)
        assert max(t for _, t in times) < FAST, times
        assert closed_by_server(silent, HEAD_TIMEOUT + 3)  # and it is let go after the head timeout


def test_a_partial_client_hello_does_not_stall_anyone(tls: tuple[LiveApp, Path]) -> None:
    app, cert = tls
    with ExitStack() as stack:
        socks = open_sockets(stack, app, 20)
        for s in socks:
            s.sendall(bytes.fromhex("160301"))  # the first bytes of a TLS record, then nothing
        status, took = timed_get(app, "/healthz", cert)
        assert status == 200 and took < FAST, took


def test_a_tls_slowloris_cannot_hold_workers(tls: tuple[LiveApp, Path]) -> None:
    """30 TLS connections that finish the handshake, then drip their request head: the gate
    reads the decrypted head itself, so no worker waits on them (8 workers here)."""
    app, cert = tls
    ctx = ssl.create_default_context(cafile=str(cert))
    before = app.server.gate.closed_slow
    with ExitStack() as stack:
        socks = []
        for _ in range(30):
            raw = stack.enter_context(socket.create_connection(("127.0.0.1", app.port), timeout=10))
            s = stack.enter_context(ctx.wrap_socket(raw, server_hostname="localhost"))
            s.sendall(b"GET /data HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: ")
            socks.append(s)
        start = time.monotonic()
        worst = 0.0
        while time.monotonic() - start < HEAD_TIMEOUT - 0.3:
            for s in socks:
                try:
                    s.sendall(b"b")
                except OSError:
                    pass
            worst = max(worst, timed_get(app, "/healthz", cert)[1])
        assert worst < FAST, worst
        wait_until(lambda: app.server.gate.closed_slow - before >= 30, HEAD_TIMEOUT + 3,
                   what="every dripping TLS socket closed at its head timeout")


def test_tls_keep_alive_and_pipelining_are_served(tls: tuple[LiveApp, Path]) -> None:
    app, cert = tls
    ctx = ssl.create_default_context(cafile=str(cert))
    with socket.create_connection(("127.0.0.1", app.port), timeout=5) as raw, \
            ctx.wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 3)  # three at once
        data = b""
        deadline = time.monotonic() + 5
        while data.count(b"HTTP/1.1 200") < 3 and time.monotonic() < deadline:
            data += s.recv(65536)
        assert data.count(b"HTTP/1.1 200") == 3, data[:500]


def test_plain_http_on_the_tls_port_gets_an_answer_not_a_hang(tls: tuple[LiveApp, Path]) -> None:
    app, cert = tls
    with socket.create_connection(("127.0.0.1", app.port), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        start = time.monotonic()
        try:
            s.recv(100)
        except ConnectionResetError:
            pass
        assert time.monotonic() - start < FAST + 1
    assert timed_get(app, "/healthz", cert)[0] == 200


def test_a_hundred_silent_sockets_hold_no_worker(plain: LiveApp) -> None:
    """Case 9: 8 idle connections used to hold all 8 workers (100: over 30 s)."""
    with ExitStack() as stack:
        socks = open_sockets(stack, plain, 100)
        times = [timed_get(plain, "/data")[1] for _ in range(10)]
        assert max(times) < FAST, times
        assert plain.server.gate.waiting >= 90  # they wait in epoll, not in a thread
        assert closed_by_server(socks[0], HEAD_TIMEOUT + 3)
        wait_until(lambda: plain.server.gate.waiting == 0, 5, what="silent sockets closed")


def test_a_lone_silent_socket_on_an_idle_server_is_closed_at_its_head_timeout(plain: LiveApp) -> None:
    """The gate sleeps without a timeout while nothing waits; the first socket to wait wakes it,
    so its deadline is kept although no other event ever comes."""
    wait_until(lambda: plain.server.gate.waiting == 0, 5, what="an idle gate")
    with socket.create_connection(("127.0.0.1", plain.port), timeout=10) as s:
        wait_until(lambda: plain.server.gate.waiting == 1, 5, what="the socket waiting in the gate")
        assert closed_by_server(s, HEAD_TIMEOUT + 3)


def test_a_slowloris_cannot_hold_workers(plain: LiveApp) -> None:
    """200 sockets, each dripping its request head a few bytes at a time: normal requests
    stay fast, and every dripping socket is closed at the head timeout, not reset by drips."""
    before = plain.server.gate.closed_slow
    with ExitStack() as stack:
        socks = open_sockets(stack, plain, 200)
        head = b"GET /data HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: "
        for s in socks:
            s.sendall(head)
        start = time.monotonic()
        worst = 0.0
        while time.monotonic() - start < HEAD_TIMEOUT - 0.3:
            for s in socks:
                try:
                    s.send(b"b")  # a drip, never the blank line
                except OSError:
                    pass
            worst = max(worst, timed_get(plain, "/healthz")[1])
        assert worst < FAST, worst
        assert all(closed_by_server(s, HEAD_TIMEOUT + 3) for s in socks[:10])
        wait_until(lambda: plain.server.gate.closed_slow - before >= 200, HEAD_TIMEOUT + 3,
                   what="every dripping socket closed at its head timeout")


def test_keep_alive_clients_are_served_through_the_gate(plain: LiveApp) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", plain.port, timeout=5)
    try:
        for _ in range(20):
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            assert r.status == 200 and json.loads(r.read())["status"] == "ok"
    finally:
        conn.close()


def test_cheroot_errors_are_json(plain: LiveApp) -> None:
    """cheroot answers these itself, before the app: they are JSON too (414 was plain text)."""
    for payload, status in ((b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
                            (b"GARBAGE\r\n\r\n", 400)):
        with socket.create_connection(("127.0.0.1", plain.port), timeout=5) as s:
            try:
                s.sendall(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass
            data = b""
            while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 10:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.split(b" ")[1] == str(status).encode(), head
        assert b"Content-Type: application/json" in head
        assert json.loads(body)["error"]
