"""Serving: the production WSGI server (cheroot), TLS, and clean shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from flask import Flask

from exporter.config import WebConfig, parse_listen

log = logging.getLogger(__name__)


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
