"""exporter/web/streams.py: the plain connection's reader and writer, on real socket pairs."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from exporter.web.streams import SocketReader, SocketWriter


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    a.settimeout(5)  # as cheroot's accepted sockets: has_data must not wait this long
    b.settimeout(5)
    yield a, b
    a.close()
    b.close()


def test_has_data_reports_only_what_is_buffered_and_never_reads_the_socket(
        pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    reader = SocketReader(a)
    assert not reader.has_data()  # nothing anywhere: answers at once (a read would wait 5 s)
    b.sendall(b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n")
    assert not reader.has_data()  # in the kernel, not here: the kernel's epoll sees those
    assert reader.readline() == b"GET /a HTTP/1.1\r\n"
    assert reader.readline() == b"\r\n"
    assert reader.has_data()  # the pipelined request came in with the first read
    assert reader.readline() == b"GET /b HTTP/1.1\r\n"
    assert reader.readline() == b"\r\n"
    assert not reader.has_data()
    b.shutdown(socket.SHUT_WR)
    assert reader.readline() == b""  # reads work again after a probe


def test_reads_time_out_as_cheroot_expects(pair: tuple[socket.socket, socket.socket]) -> None:
    a, _b = pair
    a.settimeout(0.05)
    with pytest.raises(TimeoutError, match="timed out"):  # communicate() maps this text to 408
        SocketReader(a).readline()


def test_a_write_larger_than_the_socket_buffer_arrives_whole(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    data = bytes(range(256)) * 4096  # 1 MiB: many partial sends
    got = bytearray()

    def drain() -> None:
        while len(got) < len(data):
            chunk = b.recv(65536)
            if not chunk:
                return
            got.extend(chunk)

    t = threading.Thread(target=drain)
    t.start()
    assert SocketWriter(a).write(data) == len(data)
    t.join(10)
    assert bytes(got) == data


def test_a_write_to_a_client_that_stops_reading_times_out(pair: tuple[socket.socket, socket.socket]) -> None:
    a, _b = pair
    a.settimeout(0.1)
    with pytest.raises(TimeoutError):
        SocketWriter(a).write(b"x" * (64 << 20))
