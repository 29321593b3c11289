"""The app factory: thin routes over the Runtime's services, on exporter/web/dispatch.py (Werkzeug)."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from werkzeug.http import parse_accept_header
from werkzeug.routing import Rule
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Response

from exporter import __version__
from exporter.runtime import Runtime
from exporter.web import dirsize_routes, history_routes, openapi_routes
from exporter.web.assets import HOW_TO_FIX, VENDOR_DIR, missing_assets
from exporter.web.auth import Guard
from exporter.web.dispatch import CSP, WebApp, WebRequest, json_response, route
from exporter.web.page import render_index
from exporter.web.params import check_query
from exporter.web.selection import collector_selection

__all__ = ["CSP", "MAX_CONTENT_LENGTH", "ExporterApp", "create_app"]

log = logging.getLogger(__name__)

# Max request body: the API takes no uploads.
MAX_CONTENT_LENGTH = 64 * 1024

STATIC_DIR = Path(__file__).parent / "static"
_NO_STORE_GZIP = {"Cache-Control": "no-store", "Vary": "Accept-Encoding"}


def accepts_gzip(request: WebRequest) -> bool:
    """Whether the client takes gzip, parsed as RFC 9110 says: "gzip;q=0" and "*;q=0" are a no,
    "*" is a yes (a substring test sent gzip to "gzip;q=0")."""
    value = request.headers.get("Accept-Encoding", "")
    return _takes_gzip(value) if len(value) <= 256 else _parse_takes_gzip(value)


def _parse_takes_gzip(accept_encoding: str) -> bool:
    return parse_accept_header(accept_encoding).quality("gzip") > 0


# Werkzeug's parse remembered per header value: a scraper or a browser sends the same one every
# time. Bounded: 64 values of at most 256 characters (longer ones are parsed each time).
_takes_gzip = lru_cache(maxsize=64)(_parse_takes_gzip)


def data(request: WebRequest) -> Response:
    check_query(request)
    view = request.runtime.view
    headers = dict(_NO_STORE_GZIP)
    if accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(view.latest_gzipped(), mimetype="application/json", headers=headers)
    _doc, body = view.latest()
    return Response(body, mimetype="application/json", headers=headers)


def alerts(request: WebRequest) -> Response:
    check_query(request)
    rt = request.runtime
    rt.sampler.latest(partial_ok=True)  # a fresh enough Reading: the alerts have seen it once it is returned
    return json_response(rt.alerts.to_json())


def healthz(request: WebRequest) -> Response:
    check_query(request)
    reading = request.runtime.sampler.latest()  # full: every collector's state
    collectors = reading.cur.collectors
    failing = [c.name for c in collectors if not c.success and c.available]
    unavailable = [c.name for c in collectors if not c.available]
    return json_response({"status": "ok", "version": __version__, "failing_collectors": failing,
                          "unavailable_collectors": unavailable})


def metrics(request: WebRequest) -> Response:
    rt = request.runtime
    only = collector_selection(request, rt.reader.enabled)
    gzip_ok = accepts_gzip(request)
    rt.sampler.latest()  # a full Reading: collects if the latest is partial or older than sample_max_age
    body, content_type = rt.exposition.render(request.headers.get("Accept"), gzip_ok, only)
    headers = {"Vary": "Accept-Encoding", "Content-Encoding": "gzip"} if gzip_ok else {"Vary": "Accept-Encoding"}
    return Response(body, content_type=content_type, headers=headers)


def static(request: WebRequest, filename: str) -> Response:
    """/static/<path>: Werkzeug's send_from_directory, as Flask's static route called it: a path
    that leaves the directory is a 404 (safe_join), ETag and Last-Modified with conditional
    304s, Range, `Cache-Control: no-cache` (revalidate every time: the files change with the
    installed version, and their names do not)."""
    return send_from_directory(STATIC_DIR, filename, request.environ)


def index_route(missing: list[str]) -> Rule:
    page = render_index(__version__, missing, HOW_TO_FIX)  # the same for the app's lifetime

    def index(request: WebRequest) -> Response:
        check_query(request, "refresh", "range", "paused", "debug")
        return Response(page, mimetype="text/html")

    return route("/", index)


class ExporterApp(WebApp):
    """The exporter's WSGI app; `guard` holds the access settings (exporter/reload.py updates them)."""

    def __init__(self, rules: list[Rule], runtime: Runtime, guard: Guard) -> None:
        super().__init__(rules, runtime, before=[guard])
        self.guard = guard


def create_app(runtime: Runtime) -> ExporterApp:
    """The WSGI app serving `runtime`."""
    missing = missing_assets()
    if missing:  # the page would draw no charts: say so at start, and on the page
        log.error("front-end assets missing from %s: %s; the page will show no charts. To fix: %s",
                  VENDOR_DIR, ", ".join(missing), HOW_TO_FIX)
    guard = Guard(runtime.config.web, MAX_CONTENT_LENGTH)
    rules = [
        index_route(missing),
        route("/data", data),
        route("/alerts", alerts),
        route("/healthz", healthz),
        route("/metrics", metrics),
        route("/static/<path:filename>", static),
        *openapi_routes.rules(),
        *dirsize_routes.rules(),
        *history_routes.rules(),
    ]
    return ExporterApp(rules, runtime, guard)
