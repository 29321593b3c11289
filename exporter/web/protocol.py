"""cheroot's per-request objects (request, WSGI gateway, connection), answering in JSON and cheaper.

Every request runs through these in a worker thread, so their Python code is part of each
scrape's CPU and latency. What changed against cheroot, and why, is in each class's doc; the
behaviour on the wire is cheroot's except where a doc says otherwise (JSON errors, one write
per response). Measured per request in docs/security.md ("HTTP cost per request").
"""

from __future__ import annotations

import email.utils
import json
import sys
import time
from typing import Any

from cheroot import errors, server, wsgi
from cheroot.makefile import MakeFile

from exporter.web.streams import SocketReader, SocketWriter

_CRLF = b"\r\n"
_date: tuple[int, bytes] = (0, b"")


def http_date(clock: float | None = None) -> bytes:
    """The Date header's value (of `clock`, default now), formatted once per second
    (email.utils took ~4 us per response): never staler than the second it names."""
    global _date
    now = int(time.time() if clock is None else clock)
    second, text = _date
    if second != now:
        text = email.utils.formatdate(now, usegmt=True).encode("ascii")
        _date = (now, text)
    return text


class JSONErrorRequest(server.HTTPRequest):
    """cheroot's request, with three changes.

    * Its own answers (bad request line, 414, 431, 505 ...) are `{"error": ...}` JSON.
    * The response head goes out with the first body chunk, in one write: cheroot flushes
      every write, so head and body were two send() calls and two TCP segments per response
      (measured: one send is about a quarter of a cached scrape's server CPU). The head is
      held when formatted and prepended to the first chunk; a response without a body (HEAD,
      304) sends it when the response ends. A chunked response (no Content-Length; none of
      ours) is sent as cheroot does, unheld, since cheroot writes its terminator directly.
    * `send_headers` is cheroot's rules (chunking, Connection and Keep-Alive, draining an
      unread body before keeping the connection, Date, Server) written once with a set of
      header names and a Date formatted once per second, building the head directly instead
      of through a stand-in writer.
    """

    _head = b""

    def send_headers(self) -> None:
        out = self.outheaders
        names = {k.lower() for k, _ in out}
        status = int(self.status[:3])
        if status == 413:
            self.close_connection = True  # cheroot: close to avoid reading the garbage
        elif b"content-length" not in names and not (status < 200 or status in (204, 205, 304)):
            if self.response_protocol == "HTTP/1.1" and self.method != b"HEAD":
                self.chunked_write = True
                out.append((b"Transfer-Encoding", b"chunked"))
            else:
                self.close_connection = True  # the end of the connection is the end of the body
        if not self.close_connection:
            self.close_connection = not self.server.can_add_keepalive_connection
        if b"connection" not in names:
            if self.response_protocol == "HTTP/1.1":
                if self.close_connection:
                    out.append((b"Connection", b"close"))
            elif not self.close_connection:
                out.append((b"Connection", b"Keep-Alive"))
        if (b"Connection", b"Keep-Alive") in out:
            out.append((b"Keep-Alive", f"timeout={self.server.timeout}".encode("ISO-8859-1")))
        if not self.close_connection and not self.chunked_read:
            remaining = getattr(self.rfile, "remaining", 0)  # an unread body: read it, or it reads as a request
            if remaining > 0:
                self.rfile.read(remaining)
        if b"date" not in names:
            out.append((b"Date", http_date()))
        if b"server" not in names:
            out.append((b"Server", self.server.server_name.encode("ISO-8859-1")))
        status_line: bytes = self.status  # type: ignore[assignment]  # bytes: set by start_response
        head = b"".join([self.server.protocol.encode("ascii"), b" ", status_line, _CRLF,
                         *[k + b": " + v + _CRLF for k, v in out], _CRLF])
        if self.chunked_write:
            self.conn.wfile.write(head)
        else:
            self._head = head

    def write(self, chunk: bytes) -> None:
        head = self._head
        if head:
            self._head = b""
            self.conn.wfile.write(head + chunk)
        else:
            super().write(chunk)

    def respond(self) -> None:
        try:
            super().respond()
        finally:
            head = self._head
            if head:
                self._head = b""
                self.conn.wfile.write(head)

    def simple_response(self, status: Any, msg: Any = "") -> None:
        code = str(status)[:3]
        if not code.startswith(("4", "5")):
            super().simple_response(status, msg)
            return
        text = msg.decode("latin-1") if isinstance(msg, bytes) else str(msg or status)
        body = json.dumps({"error": text}).encode()
        head = [f"{self.server.protocol} {status}\r\n", f"Content-Length: {len(body)}\r\n",
                "Content-Type: application/json\r\n", "X-Content-Type-Options: nosniff\r\n"]
        if code in ("400", "413", "414", "431"):
            self.close_connection = True
            head.append("Connection: close\r\n")
        try:
            self.conn.wfile.write("".join(head).encode("latin-1") + b"\r\n" + body)
        except OSError as ex:
            if ex.args and ex.args[0] not in errors.socket_errors_to_ignore:
                raise


class WSGIGateway(wsgi.Gateway_10):
    """cheroot's WSGI 1.0 gateway with the environ and the response headers built inline.

    The environ holds exactly cheroot's keys and values (TCP listeners; a UNIX socket's peer
    credentials go through cheroot's own code); start_response checks the types as cheroot
    does and encodes the headers Latin-1, without a helper call per name and value.
    """

    def get_environ(self) -> dict[str, Any]:  # type: ignore[override]  # cheroot's stub says None
        req = self.req
        srv = req.server
        bind_addr = srv.bind_addr
        if isinstance(bind_addr, (str, bytes)):
            return super().get_environ()  # type: ignore[no-any-return]
        conn = req.conn
        env = {
            "ACTUAL_SERVER_PROTOCOL": srv.protocol,
            "PATH_INFO": req.path.decode("ISO-8859-1"),
            "QUERY_STRING": req.qs.decode("ISO-8859-1"),
            "REMOTE_ADDR": conn.remote_addr or "",
            "REMOTE_PORT": str(conn.remote_port or ""),
            "REQUEST_METHOD": req.method.decode("ISO-8859-1"),
            "REQUEST_URI": req.uri.decode("ISO-8859-1"),
            "SCRIPT_NAME": "",
            "SERVER_NAME": srv.server_name,
            "SERVER_PROTOCOL": req.request_protocol.decode("ISO-8859-1"),
            "SERVER_SOFTWARE": srv.software,
            "wsgi.errors": sys.stderr,
            "wsgi.input": req.rfile,
            "wsgi.input_terminated": bool(req.chunked_read),
            "wsgi.multiprocess": False,
            "wsgi.multithread": True,
            "wsgi.run_once": False,
            "wsgi.url_scheme": req.scheme.decode("ISO-8859-1"),
            "wsgi.version": self.version,
            "SERVER_PORT": str(bind_addr[1]),
        }
        for k, v in req.inheaders.items():
            env["HTTP_" + k.decode("ISO-8859-1").upper().replace("-", "_")] = v.decode("ISO-8859-1")
        ct = env.pop("HTTP_CONTENT_TYPE", None)
        if ct is not None:
            env["CONTENT_TYPE"] = ct
        cl = env.pop("HTTP_CONTENT_LENGTH", None)
        if cl is not None:
            env["CONTENT_LENGTH"] = cl
        if conn.ssl_env:
            env.update(conn.ssl_env)
        return env

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if self.started_response and not exc_info:
            raise RuntimeError("WSGI start_response called a second time with no exc_info.")
        self.started_response = True
        req = self.req
        if req.sent_headers:
            raise exc_info[1]
        if not isinstance(status, str):
            raise TypeError("WSGI response status is not of type str.")
        req.status = status.encode("ISO-8859-1")
        out = req.outheaders
        for k, v in headers:
            if not isinstance(k, str):
                raise TypeError(f"WSGI response header key {k!r} is not of type str.")
            if not isinstance(v, str):
                raise TypeError(f"WSGI response header value {v!r} is not of type str.")
            if len(k) == 14 and k.lower() == "content-length":
                self.remaining_bytes_out = int(v)
            out.append((k.encode("ISO-8859-1"), v.encode("ISO-8859-1")))
        return self.write


class JSONErrorConnection(server.HTTPConnection):
    """cheroot's connection with cheaper construction and close (plain TCP; TLS keeps cheroot's).

    * its reader and writer are exporter/web/streams.py's (C io instead of `_pyio`);
    * no per-connection `lru_cache` wrappers of the peer-credential lookups (cheroot makes
      two per connection, and the bound methods they hold made every connection a reference
      cycle, freed only by the cyclic collector): those lookups serve UNIX sockets only;
    * close() is one close(2): with no other file holding the socket, closing it sends the
      FIN that cheroot's shutdown(SHUT_RDWR) sent before, and it cannot leave the
      descriptor open behind a file that was not closed, as cheroot's writer was not.
    """

    RequestHandlerClass = JSONErrorRequest
    fresh = True  # nothing read yet, so nothing buffered: the gate skips has_data (HeadGate._to_worker clears it)

    def __init__(self, srv: Any, sock: Any, makefile: Any = MakeFile) -> None:
        self.server = srv
        self.socket = sock
        self.requests_seen = 0
        self.peercreds_enabled = srv.peercreds_enabled
        self.peercreds_resolve_enabled = srv.peercreds_resolve_enabled
        self._plain = makefile is MakeFile
        if self._plain:
            self.rfile = SocketReader(sock, self.rbufsize)
            self.wfile = SocketWriter(sock)
        else:
            self.rfile = makefile(sock, "rb", self.rbufsize)
            self.wfile = makefile(sock, "wb", self.wbufsize)

    def close(self) -> None:
        if not self._plain:
            super().close()
            return
        self.rfile.close()
        if not self.linger:
            self.socket.close()
