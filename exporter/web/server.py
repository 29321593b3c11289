"""Serving: the production WSGI server (cheroot, gated), TLS, fd limits and signals.

Why cheroot, tuned, rather than another server (measured by `bench/load.py --slow-clients`,
results in docs/security.md): it is pure Python, does TLS and WSGI, and starts in
milliseconds; gunicorn's gthread worker, measured the same way, let no request through
while 100 silent sockets or a slowloris were open (a thread per accepted connection, as
cheroot had), and waitress has no TLS. cheroot's weaknesses against slow clients
(handshake in the accept loop, a worker per waiting connection) are closed here:

* `GatedServer` hands a connection to a worker only once its request head has arrived
  (exporter/web/gate.py); silent or dripping sockets wait in epoll, bounded in time.
* `LazyTLSAdapter` (exporter/web/tls.py) does not handshake in the accept loop: the gate runs the handshake
  non-blocking, so one silent TLS socket costs a descriptor, not every client's time.
* accept failing with EMFILE/ENFILE (descriptor limit) frees the oldest waiting
  connection and backs off briefly, logging one line per period (cheroot retried at once
  with a traceback each time: 162,476 tracebacks in 15 s); `exporter.tuning.raise_fd_limit`
  raises the soft RLIMIT_NOFILE to the hard limit at start.
* cheroot's own error answers (400, 404 on a bad request line, 413, 414, 431, 505) are
  JSON `{"error": ...}` like the app's, and the per-request objects (request, WSGI gateway,
  connection, its reader and writer) are cheaper versions of cheroot's
  (exporter/web/protocol.py, exporter/web/streams.py).
"""

from __future__ import annotations

import errno
import logging
import queue
import signal
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

from cheroot import connections, errors, wsgi
from cheroot.makefile import MakeFile

from exporter.config import WebConfig, parse_listen
from exporter.web.gate import HEAD_TIMEOUT, HeadGate
from exporter.web.protocol import JSONErrorConnection, WSGIGateway

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

log = logging.getLogger(__name__)


SOCKET_TIMEOUT = 10.0  # per read/write once a worker has the connection; idle keep-alive expiry
MAX_HEADER = 64 * 1024  # cheroot's 0 means unlimited
EMFILE_LOG_INTERVAL = 10.0
_FD_ERRORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
_ACCEPT_RETRY = {*errors.socket_error_eintr, *errors.socket_errors_nonblocking, *errors.socket_errors_to_ignore}


class _Connections(connections.ConnectionManager):
    """cheroot's connection selector, surviving a full descriptor table."""

    def __init__(self, srv: GatedServer) -> None:
        super().__init__(srv)
        self._gated = srv
        self._fd_errors = 0
        self._fd_last_log = -EMFILE_LOG_INTERVAL
        self._kind: tuple[int, int, int] | None = None

    def put(self, conn: Any) -> None:
        """As cheroot's, but a connection whose next request the gate already holds
        (pipelined bytes in the TLS prefix, or decrypted in OpenSSL's buffer, where select()
        cannot see them) goes back to the gate, not to select()."""
        sock = conn.socket
        if hasattr(sock, "_prefix") and (sock._prefix or sock.pending()):  # only our TLS sockets have one
            conn.last_used = time.time()
            self.server.process_conn(conn)
            return
        super().put(conn)

    def _from_server_socket(self, server_socket: Any) -> Any:
        try:
            if self.server.ssl_adapter is None:
                return self._accept_plain(server_socket)
            return super()._from_server_socket(server_socket)  # type: ignore[misc]
        except OSError as e:
            if e.errno not in _FD_ERRORS:
                raise
            self._fd_errors += 1
            now = time.monotonic()
            if now - self._fd_last_log >= EMFILE_LOG_INTERVAL:
                log.warning("cannot accept connections: %s (%d time(s) since the last message); "
                            "closing the oldest waiting connection and backing off", e.strerror, self._fd_errors)
                self._fd_errors, self._fd_last_log = 0, now
            if not self._gated.gate.shed_oldest():
                time.sleep(0.05)  # nothing to free: do not spin on a listening socket that stays readable
            return None


    def _accept_plain(self, server_socket: socket.socket) -> Any:
        """cheroot's accept for plain TCP, without its per-connection system calls that do
        nothing here: the listening socket is non-blocking (no poll before accept4), the
        descriptor is close-on-exec already (Python's accept4 sets it; cheroot set it again
        with two fcntl calls), and the socket stays blocking, without a timeout, until the
        gate hands it to a worker (HeadGate._to_worker sets the timeout then): the gate
        peeks with MSG_DONTWAIT instead of switching the socket's mode twice per peek."""
        try:
            fd, addr = server_socket._accept()  # type: ignore[attr-defined]  # socket.accept's first step
        except OSError as e:
            if e.errno in _FD_ERRORS:
                raise
            if e.args and e.args[0] in _ACCEPT_RETRY:
                return None  # as cheroot: interrupted, nothing to accept after all, or the peer gave up
            raise
        kind = self._kind
        if kind is None:  # the listening socket's family, type and protocol as ints (its properties build enums)
            kind = self._kind = (int(server_socket.family), int(server_socket.type), server_socket.proto)
        sock = socket.socket(*kind, fileno=fd)
        srv = self.server
        if srv.stats["Enabled"]:
            srv.stats["Accepts"] += 1
        conn = srv.ConnectionClass(srv, sock, MakeFile)
        conn.remote_addr, conn.remote_port = (addr[0], addr[1]) if addr else ("0.0.0.0", 0)
        conn.ssl_env = {}
        return conn


class GatedServer(wsgi.Server):
    """cheroot's WSGI server with the head gate in front of its workers (see the module doc)."""

    ConnectionClass = JSONErrorConnection

    def __init__(self, *args: Any, head_timeout: float = HEAD_TIMEOUT, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.gateway = WSGIGateway
        # The hand-off to the workers: a C queue (put and get without Python frames or a
        # Condition; cheroot's queue.Queue is unbounded here too: accepted_queue_size -1).
        pool = self.requests
        pool._queue = queue.SimpleQueue()
        pool.get = pool._queue.get
        self.head_timeout = head_timeout
        self.gate = HeadGate(super().process_conn, head_timeout=head_timeout, max_head=MAX_HEADER,
                             socket_timeout=SOCKET_TIMEOUT)

    def prepare(self) -> None:
        super().prepare()
        original = self.__dict__["_connections"]
        self.__dict__["_connections"] = _Connections(self)
        original._selector.close()  # it only held the listening socket
        self.socket.setblocking(False)  # accept only when epoll says so (see _Connections._accept_plain)
        self.gate.start()

    def process_conn(self, conn: Any) -> None:
        self.gate.offer(conn)

    def stop(self) -> None:
        super().stop()
        self.gate.stop()


def make_server(app: WSGIApplication, web: WebConfig, listen: str | None = None) -> GatedServer:
    host, port = parse_listen(listen or web.listen)
    srv = GatedServer((host, port), app, numthreads=web.threads, server_name="sysmon-exporter",
                      shutdown_timeout=1, timeout=SOCKET_TIMEOUT, request_queue_size=128)
    srv.keep_alive_conn_limit = 256  # idle keep-alive connections wait in the selector, not in a thread
    srv.max_request_header_size = MAX_HEADER
    if web.tls_cert_file:
        from exporter.web.tls import LazyTLSAdapter  # ssl (OpenSSL) only when TLS is configured

        srv.ssl_adapter = LazyTLSAdapter(web.tls_cert_file, web.tls_key_file)
    return srv


class Lifecycle:
    """Signals, installed before the port opens: SIGTERM/SIGINT at any moment stop cleanly
    (exit 0, also when they arrive before serving starts), SIGHUP calls `on_reload`."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.on_reload: Callable[[], object] | None = None
        self._server: wsgi.Server | None = None

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGHUP, self._hup)

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        log.info("received %s, shutting down", signal.Signals(signum).name)
        srv = self._server
        if srv is not None:
            threading.Thread(target=srv.stop, name="shutdown", daemon=True).start()

    def _hup(self, _signum: int, _frame: FrameType | None) -> None:
        reload = self.on_reload
        if reload is None:
            log.info("received SIGHUP before start-up finished: ignored")
            return
        threading.Thread(target=reload, name="reload", daemon=True).start()

    def serve(self, srv: wsgi.Server) -> None:
        """Serve until a stop signal (the server must be prepare()d, i.e. bound)."""
        self._server = srv
        if self.stopping.is_set():
            srv.stop()
            return
        srv.serve()
