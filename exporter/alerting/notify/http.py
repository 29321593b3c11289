"""One JSON POST to a receiver, with its authentication and CA; the only network code of the notifier.

Standard library only (urllib): one small request per alert batch needs no client library. Password
and token files are read at every request, as Prometheus does, so a rotated secret needs no restart.
Redirects are not followed (a POST must not silently go elsewhere). urllib and ssl are imported by the
first Poster, not with this module: without a receiver (the default) they would only cost memory
(urllib.request loads http.client, email and OpenSSL: about 8 MiB of RSS).
"""

from __future__ import annotations

import base64
import json
import os
from typing import TYPE_CHECKING, Any

from exporter.config import NotifyTarget

if TYPE_CHECKING:
    import urllib.request

USER_AGENT = "sysmon-exporter"


class SendError(Exception):
    """The receiver did not take the notification; the message says why in a few words."""

    def __init__(self, message: str, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry  # False for a 4xx other than 429: sending the same again will not help


def _no_redirect() -> urllib.request.BaseHandler:
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return NoRedirect()


def _read(path: str) -> str:
    with open(os.path.expanduser(path), encoding="utf-8") as f:
        return f.read().strip()


def redact(url: str) -> str:
    """The URL as a label and in logs: without query string (tokens sometimes live there)."""
    return url.split("?", 1)[0]


class Poster:
    """POSTs JSON to one target."""

    def __init__(self, target: NotifyTarget, timeout: float) -> None:
        self.target = target
        self.timeout = timeout
        import urllib.request

        handlers: list[urllib.request.BaseHandler] = [_no_redirect(), urllib.request.ProxyHandler({})]
        if target.url.startswith("https://"):
            import ssl

            ctx = ssl.create_default_context(cafile=os.path.expanduser(target.tls_ca_file) or None)
            handlers.append(urllib.request.HTTPSHandler(context=ctx))
        self._opener = urllib.request.build_opener(*handlers)

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        t = self.target
        if t.basic_auth.username:
            pair = f"{t.basic_auth.username}:{_read(t.basic_auth.password_file)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        elif t.bearer_token_file:
            headers["Authorization"] = "Bearer " + _read(t.bearer_token_file)
        return headers

    def post(self, body: Any) -> None:
        """Send `body` as JSON; raises SendError unless the receiver answers 2xx."""
        import urllib.error
        import urllib.request

        try:
            req = urllib.request.Request(self.target.url, data=json.dumps(body).encode(), method="POST",
                                         headers=self._headers())
            with self._opener.open(req, timeout=self.timeout) as r:
                r.read(65536)
        except urllib.error.HTTPError as e:
            code = e.code
            retry = code >= 500 or code == 429 or 300 <= code < 400
            raise SendError(f"HTTP {code} {e.reason}", retry=retry) from None
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or e
            raise SendError(str(reason)) from None
