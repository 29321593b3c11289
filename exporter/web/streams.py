"""A plain-TCP connection's reader and writer, in place of cheroot's `_pyio` ones.

cheroot builds each connection's files on `_pyio`, the pure-Python io module: every
`readline` of the request line and headers went through half a dozen Python frames
(peek, read, nreadahead, ...), and every write through a Python BufferedWriter that
copies the data into a bytearray and back before its send(). Measured in process on a
/nope request: constructing, parsing and closing with these files costs about a third
less (numbers in docs/security.md, "HTTP cost per request").

* `SocketReader` is the C `io.BufferedReader` over the socket, plus what cheroot and the
  head gate ask of a reader: `has_data()` (are bytes of a next request already buffered
  here, where the kernel's epoll cannot see them?) and `bytes_read` (statistics, off).
* `SocketWriter` sends each write at once (our responses are one write each, see
  protocol.JSONErrorRequest), with the socket's per-send timeout as cheroot's writer had:
  a partial send continues, a client that stops reading for `timeout` seconds ends it.

TLS connections keep cheroot's files (tls.LazyTLSAdapter.makefile).
"""

from __future__ import annotations

import io
import socket
from typing import Any


class _ProbedSocketIO(socket.SocketIO):
    """SocketIO whose reads can be turned off for a moment, so that the buffered reader's
    peek() answers with what it holds and never touches (or waits on) the socket."""

    probing = False

    def readinto(self, b: Any) -> int | None:
        if self.probing:
            return None  # what a non-blocking raw stream says when it would block: peek() gives b""
        return super().readinto(b)


class SocketReader(io.BufferedReader):
    bytes_read = 0  # cheroot adds it up only when its statistics are enabled (never here)

    def __init__(self, sock: socket.socket, bufsize: int = io.DEFAULT_BUFFER_SIZE) -> None:
        raw = _ProbedSocketIO(sock, "rb")
        super().__init__(raw, bufsize)
        self._probed = raw

    def has_data(self) -> bool:
        """Whether bytes are buffered here, without reading from the socket."""
        raw = self._probed
        raw.probing = True
        try:
            return bool(self.peek(1))
        finally:
            raw.probing = False


class SocketWriter:
    """Each write sent now, in as many send() calls as the kernel needs."""

    bytes_written = 0  # as SocketReader.bytes_read
    closed = False

    def __init__(self, sock: socket.socket) -> None:
        self._send = sock.send

    def write(self, data: bytes) -> int:
        send = self._send
        sent = send(data)
        if sent < len(data):
            view = memoryview(data)
            while sent < len(view):
                sent += send(view[sent:])
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True
