"""The WSGI application: Werkzeug's routing, request and response objects, and the rules every answer follows.

Why Werkzeug alone and not Flask: Flask (with Jinja2, click, itsdangerous, blinker and
markupsafe) cost ~4.7 MiB of RSS and ~73 modules on the serve path, and its per-request
machinery (app and request contexts, signals, hook lists, URL adapters for url_for) ran on
every /metrics scrape and /data poll. What the exporter used of it is this module: a
`werkzeug.routing.Map` of rules whose endpoints are the view functions, the views taking the
request (which carries the runtime) instead of reading context-local globals.

What every answer gets here, whatever produced it:

* `before` hooks (exporter/web/auth.py: body cap, Host, basic auth, same origin) run after
  routing and before the view, and may answer instead; `request.rule` is None when no route
  matched, and the 404/405 is raised only after the hooks (a stranger gets 401, not a map
  of the routes), as Flask did.
* `ApiError` → `{"error": message}` with its status and headers; Werkzeug's HTTP errors
  (404, 405 with Allow, ...) → `{"error": description}`; anything else → logged with its
  traceback and a 500 `{"error": ...}` that carries none.
* OPTIONS on a known path answers 200 with Allow (Flask's automatic OPTIONS); HEAD on a GET
  route is the GET without its body (Werkzeug's Response does that).
* the security headers (CSP and friends) on every response, errors included.
* a plain buffered Response (one bytes body with its Content-Length, no Location, nothing to
  run on close: nearly every answer) is handed to the server directly (`_buffered_answer`),
  the rest through Werkzeug's `Response.__call__`; the test compares the two.

JSON is written compact, keys in insertion order and ASCII-only, with a final newline:
byte for byte what Flask's jsonify sent with sort_keys off.

Routing binds the map once per distinct (Host, scheme, script name, upgrade) seen, not per
request: `Map.bind_to_environ` parsed the Host, IDNA-encoded it and built a MapAdapter on
every request (~8 us of a /nope's ~150), and the adapter depends on the request only
through those values; the path, method and query string are passed to each match. At most
ADAPTERS are kept (the Host is the client's to choose); when full they are dropped and
binding starts over, so a client sending many Hosts costs what every request cost before.
A Host Werkzeug cannot bind (BadHost: not IDNA-encodable) is a 400 JSON answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule
from werkzeug.wrappers import Request, Response

from exporter.web.errors import ApiError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from werkzeug.test import Client

log = logging.getLogger(__name__)

ADAPTERS = 64  # bound adapters kept (see the module doc)

# Strict: no inline script or style, nothing from other origins, never framed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)


class WebRequest(Request):
    """A Werkzeug request plus what the views need: the runtime and the rule that matched."""

    runtime: Any = None
    rule: Rule | None = None


View = Callable[..., Response]
Hook = Callable[[WebRequest], "Response | None"]


def route(path: str, view: View, methods: Sequence[str] = ("GET",)) -> Rule:
    """A rule whose endpoint is `view`; GET brings HEAD (Werkzeug) and every rule takes OPTIONS."""
    return Rule(path, endpoint=view, methods=[*methods, "OPTIONS"])


def json_response(obj: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """`obj` as JSON, the way Flask's jsonify wrote it (compact, insertion order, final newline)."""
    body = json.dumps(obj, separators=(",", ":")) + "\n"
    return Response(body, status, headers, mimetype="application/json")


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": message}, status, headers)


def _with_security_headers(start_response: StartResponse) -> StartResponse:
    """`start_response` adding SECURITY_HEADERS that the response lacks, on the final header list
    (cheaper than Werkzeug's Headers.setdefault, which scans and rebuilds per header)."""

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        present = {name.lower() for name, _ in headers}
        extra = [h for h in SECURITY_HEADERS if h[0].lower() not in present]
        return start_response(status, headers + extra, exc_info)

    return start  # type: ignore[return-value]


def _buffered_answer(response: Response, head: bool) -> tuple[str, list[tuple[str, str]], list[bytes]] | None:
    """What `response(environ, start_response)` would send, with the security headers, for the
    common answer (a plain Response whose body is one bytes object with its Content-Length,
    status 2xx-5xx but 204/304, no Location, nothing to run on close), without Werkzeug's
    header copy, location fixing and closing iterator (~5 us a request); None otherwise, and
    the caller takes Werkzeug's way."""
    status = response.status_code
    body = response.response
    if (status < 200 or status in (204, 304) or response.direct_passthrough or response._on_close
            or type(body) is not list or len(body) != 1 or type(body[0]) is not bytes):
        return None
    headers = response.headers.to_wsgi_list()
    present = set()
    for name, _ in headers:
        lower = name.lower()
        if lower in _WERKZEUG_FIXES:
            return None
        present.add(lower)
    if "content-length" not in present:
        return None
    headers += [h for h in SECURITY_HEADERS if h[0].lower() not in present]
    return response.status, headers, ([] if head else body)


_WERKZEUG_FIXES = frozenset({"location", "content-location"})  # headers Werkzeug rewrites on the way out


def _wsgi_text(value: str) -> str:
    """A WSGI environ string (Latin-1 code points) as the text the client sent (UTF-8),
    as Werkzeug decodes PATH_INFO and QUERY_STRING."""
    return value.encode("latin-1").decode("utf-8", "replace")


class WebApp:
    """The WSGI callable: routes `rules` to their views, with the hooks and rules of the module doc."""

    def __init__(self, rules: Iterable[Rule], runtime: Any, before: Sequence[Hook] = ()) -> None:
        self.url_map = Map(list(rules))
        self.runtime = runtime
        self.before = list(before)
        self._adapters: dict[tuple[Any, ...], MapAdapter] = {}

    def adapter(self, environ: WSGIEnvironment) -> MapAdapter:
        """The map bound to this request's host, scheme and script name (see the module doc);
        raises BadHost (a 400) as `bind_to_environ` does."""
        key = (environ.get("HTTP_HOST"), environ.get("SERVER_NAME"), environ.get("SERVER_PORT"),
               environ.get("wsgi.url_scheme"), environ.get("SCRIPT_NAME"), environ.get("HTTP_CONNECTION"),
               environ.get("HTTP_UPGRADE"))
        adapters = self._adapters
        adapter = adapters.get(key)
        if adapter is None:
            adapter = self.url_map.bind_to_environ(environ)
            if len(adapters) >= ADAPTERS:
                adapters.clear()
            adapters[key] = adapter
        return adapter

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = WebRequest(environ)
        request.runtime = self.runtime
        try:
            response = self._respond(request)
        except Exception:  # noqa: BLE001 - the one place an unexpected error becomes a 500
            log.exception("unhandled error on %s %s", request.method, request.path)
            response = json_error(500, "internal error; see the exporter's log")
        if type(response) is Response:
            answer = _buffered_answer(response, environ["REQUEST_METHOD"] == "HEAD")
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return body
        return response(environ, _with_security_headers(start_response))

    def _respond(self, request: WebRequest) -> Response:
        path = request.path
        try:
            adapter = self.adapter(request.environ)
            try:
                rule, args = adapter.match(path, request.method, return_rule=True,
                                           query_args=_wsgi_text(request.environ.get("QUERY_STRING", "")))
                request.rule = rule
            except HTTPException as e:
                routing_error: HTTPException | None = e
            else:
                routing_error = None
            for hook in self.before:
                answer = hook(request)
                if answer is not None:
                    return answer
            if routing_error is not None:
                raise routing_error
            if request.method == "OPTIONS":
                response = Response()
                response.allow.update(adapter.allowed_methods(path))
                return response
            view: View = rule.endpoint  # type: ignore[assignment]
            return view(request, **args)
        except ApiError as e:
            return json_error(e.status, e.message, e.headers)
        except RequestRedirect as e:  # a slash to add or merge: Werkzeug's redirect, as Flask sent it
            return e.get_response(request.environ)
        except HTTPException as e:
            headers = {k: v for k, v in e.get_headers(request.environ) if k == "Allow"}
            return json_error(e.code or 500, e.description or e.name, headers)

    def test_client(self) -> Client:
        """Werkzeug's test client on this app (what Flask's was built on); imported here, not on the serve path."""
        from werkzeug.test import Client

        return Client(self)
