"""The head gate: a worker thread only ever gets a connection whose request head has arrived.

cheroot is a thread-per-request server. Out of the box it hands every accepted
connection straight to a worker, which then blocks reading the request line; it runs
the TLS handshake in its accept loop; and a client dripping one header byte every few
seconds resets the per-read timeout forever. Issue 16 measured what that costs: one
silent TLS socket stalled every client (9 s), 8 idle sockets held all workers, a
slowloris held them indefinitely.

The gate sits between cheroot's connection selector and its worker queue
(`GatedServer.process_conn`). For each connection that is about to read a request:

* plain HTTP: it peeks (MSG_PEEK, non-blocking) at what the kernel has buffered and
  lets the connection through once that holds a whole head (an empty line), or as much
  as `max_request_header_size` (cheroot then answers 431/414 itself). A fresh socket
  (server._Connections._accept_plain) has no timeout yet: the peek is one recv with
  MSG_DONTWAIT, and the worker's timeout is set when the gate hands it over (_to_worker);
  one back from keep-alive has its timeout and is switched to non-blocking for the peek;
* TLS: it runs the handshake non-blocking here, then reads the decrypted request head
  here too (non-blocking) into the connection's prefix buffer, which the worker's reader
  serves first (tls.LazyTLSAdapter.makefile): a TLS slowloris holds no worker either;
* until then the socket waits in an edge-triggered epoll, costing one descriptor and no
  thread; a head not complete within `head_timeout` seconds of its first byte being
  awaited (a drip does not extend it) is closed; at most `max_waiting` wait at once
  (over that, the oldest waiting one is closed), and `shed_oldest` frees one on EMFILE.

The gate's thread sleeps in epoll without a timeout while nothing waits (a pipe in the
same epoll wakes it when the first connection starts waiting, and on stop), and looks
for heads past their deadline every EXPIRE_EVERY seconds only while some wait: an idle
exporter's gate costs nothing (it woke 4 times a second, 0.39 ms of CPU per second here,
a twentieth of the steady state's budget).
"""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # ssl is imported only with TLS configured (exporter/web/tls.py)
    import ssl

log = logging.getLogger(__name__)

HEAD_TIMEOUT = 5.0
MAX_WAITING = 4096
EXPIRE_EVERY = 0.25  # seconds between deadline checks while a connection waits
_EVENTS = select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLET
_PEEK_NOW = int(socket.MSG_PEEK | socket.MSG_DONTWAIT)  # an int: OR-ing the enum flags per peek cost ~1 us


class HeadGate:
    def __init__(self, dispatch: Callable[[Any], None], *, head_timeout: float = HEAD_TIMEOUT,
                 max_head: int = 64 * 1024, max_waiting: int = MAX_WAITING, socket_timeout: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._dispatch = dispatch
        self.head_timeout = head_timeout
        self._max_head = max_head
        self._max_waiting = max_waiting
        self._socket_timeout = socket_timeout
        self._clock = clock
        self._epoll = select.epoll()
        # Wakes the loop from its untimed sleep: written when the first connection starts to
        # wait (it now has a deadline to keep) and on stop.
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._epoll.register(self._wake_r, select.EPOLLIN)
        self._lock = threading.Lock()
        self._waiting: OrderedDict[int, tuple[Any, float]] = OrderedDict()  # fd -> (conn, deadline), oldest first
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.closed_slow = 0  # heads that missed their deadline (tests, bench)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="head-gate", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._poke()
        if self._thread is not None:
            self._thread.join(2.0)
        with self._lock:
            conns = [c for c, _ in self._waiting.values()]
            self._waiting.clear()
        for conn in conns:
            _close(conn)
        self._epoll.close()
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    def _poke(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except (BlockingIOError, OSError):
            pass  # already poked (the pipe is full) or closed: either way the loop wakes or is gone

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def offer(self, conn: Any) -> None:
        """Called instead of cheroot's process_conn (selector thread, sometimes a worker)."""
        if not getattr(conn, "fresh", False) and conn.rfile.has_data():  # pipelined bytes already read
            self._to_worker(conn)
            return
        state = self._ready(conn)
        if state is True:
            self._to_worker(conn)
        elif state is False:
            self._wait(conn)
        else:
            _close(conn)

    def _to_worker(self, conn: Any) -> None:
        conn.fresh = False  # from now on its reader may hold bytes of a next request
        sock = conn.socket
        if sock.gettimeout() is None:  # fresh from a plain accept: blocking, no timeout yet
            sock.settimeout(self._socket_timeout)  # a worker's reads and writes wait this long at most
        self._dispatch(conn)

    def shed_oldest(self) -> bool:
        """Close the connection that has waited longest (to free a descriptor on EMFILE)."""
        with self._lock:
            if not self._waiting:
                return False
            fd, (conn, _deadline) = self._waiting.popitem(last=False)
            self._unregister(fd)
        _close(conn)
        return True

    # --- internals --------------------------------------------------------------------

    def _wait(self, conn: Any) -> None:
        try:
            fd = conn.socket.fileno()
        except OSError:
            _close(conn)
            return
        deadline = getattr(conn, "_head_deadline", None)
        if deadline is None:
            deadline = self._clock() + self.head_timeout
            conn._head_deadline = deadline
        with self._lock:
            if fd in self._waiting:
                return
            first = not self._waiting
            self._waiting[fd] = (conn, deadline)
            overflow = len(self._waiting) > self._max_waiting
            try:
                self._epoll.register(fd, _EVENTS)
            except (OSError, ValueError):
                del self._waiting[fd]
                overflow = first = False
        if first:
            self._poke()  # the loop may be sleeping without a timeout: it has a deadline to watch now
        if overflow:
            self.shed_oldest()

    def _unregister(self, fd: int) -> None:  # lock held
        try:
            self._epoll.unregister(fd)
        except (OSError, ValueError):
            pass

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                events = self._epoll.poll(EXPIRE_EVERY if self._waiting else -1)
            except (OSError, ValueError):
                if self._stop.is_set():
                    return
                continue
            for fd, _ev in events:
                if fd == self._wake_r:
                    self._drain_wake()
                    continue
                with self._lock:
                    item = self._waiting.pop(fd, None)
                    if item is not None:
                        self._unregister(fd)
                if item is None:
                    continue
                self.offer(item[0])  # ready → a worker; not yet → back to waiting, same deadline
            self._expire()

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 512):
                pass
        except (BlockingIOError, OSError):
            pass

    def _expire(self) -> None:
        now = self._clock()
        late = []
        with self._lock:
            for fd, (conn, deadline) in list(self._waiting.items()):
                if deadline <= now:
                    del self._waiting[fd]
                    self._unregister(fd)
                    late.append(conn)
        for conn in late:
            self.closed_slow += 1
            _close(conn)

    def _ready(self, conn: Any) -> bool | None:
        """True: hand to a worker; False: wait for more bytes; None: the peer is gone or broken."""
        sock = conn.socket
        if hasattr(sock, "_prefix"):  # a TLS socket of LazyTLSAdapter
            return self._tls_ready(conn, sock)
        try:
            data = _peek(sock, self._max_head, self._socket_timeout)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return None
        if not data:
            return None  # closed before sending a request
        if _complete(data, self._max_head):
            conn._head_deadline = None  # the next request on this connection gets its own
            return True
        return False

    def _tls_ready(self, conn: Any, sock: ssl.SSLSocket) -> bool | None:
        import ssl  # loaded already: the socket is one

        sock.setblocking(False)
        try:
            if not getattr(conn, "_tls_done", False):
                sock.do_handshake()
                conn._tls_done = True
            prefix: bytearray = sock._prefix  # type: ignore[attr-defined]  # set by LazyTLSAdapter
            while not _complete(prefix, self._max_head):
                chunk = sock.recv(16384)  # decrypted; SSLWantReadError when nothing more is there yet
                if not chunk:
                    return None
                prefix += chunk
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return False
        except (ssl.SSLError, OSError, AttributeError) as e:
            log.debug("TLS connection from %s dropped: %s", getattr(conn, "remote_addr", "?"), e)
            return None
        finally:
            sock.settimeout(self._socket_timeout)
        conn._head_deadline = None
        return True


def _complete(data: bytes | bytearray, max_head: int) -> bool:
    return b"\r\n\r\n" in data or b"\n\n" in data or len(data) >= max_head


def _peek(sock: socket.socket, n: int, timeout: float) -> bytes:
    """What the kernel holds for `sock`, without consuming it and without waiting. A socket
    without a timeout (fresh from the plain accept) is peeked with MSG_DONTWAIT: one system
    call. One with a timeout (back from keep-alive) would first wait for data (Python polls
    before recv), so it is switched to non-blocking for the peek and back."""
    if sock.gettimeout() is None:
        return socket.socket.recv(sock, n, _PEEK_NOW)
    sock.setblocking(False)
    try:
        return socket.socket.recv(sock, n, socket.MSG_PEEK)  # the raw bytes, also under TLS
    finally:
        sock.settimeout(timeout)


def _close(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001 - closing a broken connection must not raise
        pass
