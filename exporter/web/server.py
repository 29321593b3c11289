"""Serving: the production WSGI server (cheroot), TLS, and clean shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import ctypes
import logging
import signal
import threading
import time
from types import FrameType

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from flask import Flask

from exporter.config import WebConfig, parse_listen

log = logging.getLogger(__name__)


M_ARENA_MAX = -8  # glibc's mallopt parameter number


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's per-thread malloc arenas (like MALLOC_ARENA_MAX=2).

    Each worker thread otherwise gets an arena of its own that keeps its
    high-water mark: measured, this saves about 1 MiB of RSS (42.3 → 41.3 MiB
    with 1,000 processes) at no measurable cost. Must run before the threads
    start. False where there is no glibc (musl, other systems)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def trim_malloc_every(seconds: float = 60.0) -> threading.Thread | None:
    """Hand the heap's free pages back to the system every `seconds` (glibc malloc_trim).

    Under many concurrent clients the worker threads' allocations leave free pages
    inside the heap that glibc keeps; trimming gives them back, so RSS follows what is
    in use instead of ratcheting up over a long run. One call takes well under a
    millisecond. None where there is no glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None

    def loop() -> None:
        while True:
            time.sleep(seconds)
            trim(0)

    thread = threading.Thread(target=loop, name="malloc-trim", daemon=True)
    thread.start()
    return thread


def make_server(app: Flask, web: WebConfig, listen: str | None = None) -> wsgi.Server:
    host, port = parse_listen(listen or web.listen)
    server = wsgi.Server((host, port), app, numthreads=web.threads, server_name="sysmon-exporter",
                         shutdown_timeout=1, timeout=10, request_queue_size=128)
    server.keep_alive_conn_limit = 64  # cheroot's 10 makes the 11th keep-alive client reconnect
    server.max_request_header_size = 64 * 1024  # cheroot's 0 means unlimited
    if web.tls_cert_file:
        server.ssl_adapter = BuiltinSSLAdapter(web.tls_cert_file, web.tls_key_file)
    return server


def serve_forever(server: wsgi.Server) -> None:
    """Block until SIGTERM/SIGINT, then stop accepting and return (within about 2 s).

    The server must already be prepare()d (bound), so a busy port is reported early."""
    stopping = threading.Event()

    def _handle(signum: int, _frame: FrameType | None) -> None:
        if stopping.is_set():
            return
        stopping.set()
        log.info("received %s, shutting down", signal.Signals(signum).name)
        threading.Thread(target=server.stop, name="shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)
    server.serve()
