"""TLS for cheroot without a handshake in its accept loop (see exporter/web/server.py).

Its own module so that ssl, and with it OpenSSL, is imported only when TLS is configured
(exporter.tuning.leave_out_openssl).
"""

from __future__ import annotations

import io
import ssl
from typing import Any

from cheroot.makefile import StreamReader
from cheroot.ssl.builtin import BuiltinSSLAdapter


class _PrefixedSocket:
    """The socket as a worker's reader sees it: first the bytes the gate already read and
    decrypted (the request head), then the TLS socket itself."""

    def __init__(self, sock: ssl.SSLSocket) -> None:
        self._sock = sock
        self._prefix: bytearray = sock._prefix  # type: ignore[attr-defined]

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        if self._prefix:
            n = min(nbytes or len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            del self._prefix[:n]
            return n
        return self._sock.recv_into(buffer, nbytes, flags)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class LazyTLSAdapter(BuiltinSSLAdapter):
    """TLS without a handshake in cheroot's accept loop: the gate performs it, non-blocking,
    and reads the request head into `sock._prefix`, which the reader serves first."""

    def wrap(self, sock: Any) -> tuple[ssl.SSLSocket, dict[str, str]]:
        s = self.context.wrap_socket(sock, do_handshake_on_connect=False, server_side=True)
        s._prefix = bytearray()  # type: ignore[attr-defined]
        return s, {"wsgi.url_scheme": "https", "HTTPS": "on"}

    def makefile(self, sock: Any, mode: str = "r", bufsize: int = io.DEFAULT_BUFFER_SIZE) -> Any:
        if "r" in mode and hasattr(sock, "_prefix"):
            return StreamReader(_PrefixedSocket(sock), mode, bufsize)
        return super().makefile(sock, mode, bufsize)
