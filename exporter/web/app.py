"""Flask app factory: thin routes over the Runtime's services."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from exporter import __version__
from exporter.runtime import Runtime
from exporter.web.assets import HOW_TO_FIX, VENDOR_DIR, missing_assets
from exporter.web.auth import install_auth
from exporter.web.context import get_runtime
from exporter.web.dirsize_routes import blueprint as dirsize_blueprint
from exporter.web.errors import ApiError
from exporter.web.history_routes import blueprint as history_blueprint
from exporter.web.openapi_routes import blueprint as openapi_blueprint
from exporter.web.params import check_query
from exporter.web.selection import collector_selection

log = logging.getLogger(__name__)

# Max request body: the API takes no uploads.
MAX_CONTENT_LENGTH = 64 * 1024

# Strict: no inline script or style, nothing from other origins, never framed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)


def accepts_gzip() -> bool:
    """Whether the client takes gzip, parsed as RFC 9110 says: "gzip;q=0" and "*;q=0" are a no,
    "*" is a yes (a substring test sent gzip to "gzip;q=0")."""
    return request.accept_encodings.quality("gzip") > 0


def create_app(runtime: Runtime) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    install_auth(app, runtime.config.web)
    app.register_blueprint(openapi_blueprint)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["sysmon"] = runtime
    missing = missing_assets()
    if missing:  # the page would draw no charts: say so at start, and on the page
        log.error("front-end assets missing from %s: %s; the page will show no charts. To fix: %s",
                  VENDOR_DIR, ", ".join(missing), HOW_TO_FIX)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.errorhandler(ApiError)
    def _api_error(e: ApiError) -> tuple[Response, int, dict[str, str]]:
        return jsonify(error=e.message), e.status, e.headers

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException) -> tuple[Response, int]:
        return jsonify(error=e.description or e.name), e.code or 500

    @app.errorhandler(Exception)
    def _unexpected(e: Exception) -> tuple[Response, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error="internal error; see the exporter's log"), 500

    app.register_blueprint(dirsize_blueprint)
    app.register_blueprint(history_blueprint)

    @app.get("/")
    def index() -> Any:
        check_query("refresh", "range", "paused", "debug")
        return render_template("index.html", version=__version__, missing_assets=missing, how_to_fix=HOW_TO_FIX)

    @app.get("/data")
    def data() -> Response:
        check_query()
        view = get_runtime().view
        headers = {"Cache-Control": "no-store", "Vary": "Accept-Encoding"}
        if accepts_gzip():
            headers["Content-Encoding"] = "gzip"
            return Response(view.latest_gzipped(), mimetype="application/json", headers=headers)
        _doc, body = view.latest()
        return Response(body, mimetype="application/json", headers=headers)

    @app.get("/alerts")
    def alerts() -> Response:
        check_query()
        rt = get_runtime()
        rt.sampler.latest()  # a fresh enough Reading: the alerts have seen it once it is returned
        return jsonify(rt.alerts.to_json())

    @app.get("/healthz")
    def healthz() -> Response:
        check_query()
        reading = get_runtime().sampler.latest()
        collectors = reading.cur.collectors
        failing = [c.name for c in collectors if not c.success and c.available]
        unavailable = [c.name for c in collectors if not c.available]
        return jsonify(status="ok", version=__version__, failing_collectors=failing,
                       unavailable_collectors=unavailable)

    @app.get("/metrics")
    def metrics() -> Response:
        rt = get_runtime()
        only = collector_selection(rt.reader.enabled)
        gzip_ok = accepts_gzip()
        rt.sampler.latest()  # collects if the latest Reading is older than sample_max_age
        body, content_type = rt.exposition.render(request.headers.get("Accept"), gzip_ok, only)
        headers = {"Vary": "Accept-Encoding"} | ({"Content-Encoding": "gzip"} if gzip_ok else {})
        return Response(body, content_type=content_type, headers=headers)

    return app
