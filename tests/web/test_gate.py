"""exporter/web/gate.py on socket pairs: what reaches a worker, and with which timeout."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from cheroot.makefile import MakeFile

from exporter.web.gate import HeadGate
from exporter.web.protocol import JSONErrorConnection
from tests.support.servers import wait_until


class _Server:  # what a connection reads of its server at construction
    peercreds_enabled = peercreds_resolve_enabled = False


@pytest.fixture
def gate() -> Iterator[tuple[HeadGate, list[Any]]]:
    handed: list[Any] = []
    g = HeadGate(handed.append, head_timeout=30, socket_timeout=7.0)
    g.start()
    yield g, handed
    g.stop()


def _fresh() -> tuple[Any, socket.socket]:
    """A connection as the plain accept makes it: a blocking socket without a timeout."""
    a, b = socket.socketpair()
    assert a.gettimeout() is None
    return JSONErrorConnection(_Server, a, MakeFile), b


def test_a_whole_head_goes_to_a_worker_with_the_socket_timeout_set(gate: tuple[HeadGate, list[Any]]) -> None:
    g, handed = gate
    conn, peer = _fresh()
    peer.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    g.offer(conn)
    assert handed == [conn]
    assert conn.socket.gettimeout() == 7.0  # a worker's reads never wait without a bound
    assert conn.rfile.readline() == b"GET / HTTP/1.1\r\n"  # peeked, not consumed
    conn.close()
    peer.close()


def test_a_silent_socket_waits_without_blocking_the_caller_then_goes_when_its_head_is_whole(
        gate: tuple[HeadGate, list[Any]]) -> None:
    g, handed = gate
    conn, peer = _fresh()
    offered = threading.Thread(target=g.offer, args=(conn,))
    offered.start()
    offered.join(5)
    assert not offered.is_alive()  # the peek did not wait for bytes
    assert handed == [] and g.waiting == 1
    peer.sendall(b"GET / HTTP/1.1\r\n")
    peer.sendall(b"Host: x\r\n\r\n")
    wait_until(lambda: handed == [conn], 5, what="the gate's loop hands the completed head over")
    assert g.waiting == 0
    assert conn.socket.gettimeout() == 7.0
    conn.close()
    peer.close()


def test_a_socket_closed_before_its_request_is_closed_not_handed(gate: tuple[HeadGate, list[Any]]) -> None:
    g, handed = gate
    conn, peer = _fresh()
    peer.close()
    g.offer(conn)
    assert handed == [] and g.waiting == 0
    assert conn.socket.fileno() == -1
