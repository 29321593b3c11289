"""/disk-usage-details: largest directories and files of the allowlisted roots.

GET never waits for a scan: 200 with the cached result, or 202 with the progress of
the scan it queued. POST queues a rescan (202). Without `path`, GET lists the roots.

Rescans cost a full walk, so POST is limited per client address (CLIENT_BURST, then
one every CLIENT_PER seconds) on top of the service's per-path and per-root limits,
each answered 429 with Retry-After; a full queue is 503. POST also needs a same-origin
request (checked for every unsafe method in exporter/web/auth.py).
"""

from __future__ import annotations

import math
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from exporter.dirsize.service import DirSizeService, PathRejected
from exporter.dirsize.shapes import view_json
from exporter.ratelimit import RateLimiter
from exporter.web.dispatch import WebRequest, json_response, route
from exporter.web.errors import ApiError
from exporter.web.params import check_query, whole_number

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
_NO_STORE = {"Cache-Control": "no-store"}
CLIENT_BURST = 10
CLIENT_PER = 6.0  # seconds per rescan once the burst is spent: 10 a minute


def _service(request: WebRequest) -> DirSizeService:
    svc: DirSizeService | None = getattr(request.runtime, "dirsize", None)
    if svc is None:
        raise ApiError(404, "directory scans are disabled in the configuration")
    return svc


def _limit(request: WebRequest) -> int:
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    return whole_number("limit", raw, 1, MAX_LIMIT)


def _rejected(e: PathRejected) -> ApiError:
    headers = {} if e.retry_after is None else {"Retry-After": str(max(1, math.ceil(e.retry_after)))}
    return ApiError(e.status, e.message, headers)


def _resolve(request: WebRequest, svc: DirSizeService) -> Any:
    path = request.args.get("path")
    if path is None:
        return None
    try:
        return svc.resolve(path)
    except PathRejected as e:
        raise _rejected(e) from None


def _reply(body: dict[str, Any], status: int) -> Response:
    return json_response(body, status, _NO_STORE)


def details(request: WebRequest) -> Response:
    check_query(request, "path", "limit")
    if getattr(request.runtime, "dirsize", None) is None and "path" not in request.args:
        # The list of roots is empty when scans are off: a page can say so without an error.
        return _reply({"enabled": False, "roots": [], "max_limit": MAX_LIMIT}, 200)
    svc = _service(request)
    limit = _limit(request)
    path = _resolve(request, svc)
    now = svc.now()
    if path is None:
        roots = [view_json(v, 0, now) | {"result": None, "total_bytes": _total(v)} for v in svc.root_views()]
        return _reply({"enabled": True, "roots": roots, "max_limit": MAX_LIMIT, "kept": svc.keep}, 200)
    try:
        view = svc.request(path)
    except PathRejected as e:
        raise _rejected(e) from None
    body = view_json(view, limit, now) | {"limit": limit, "kept": svc.keep}
    return _reply(body, 200 if view.result is not None else 202)


def rescan(request: WebRequest, clients: RateLimiter) -> Response:
    check_query(request, "path", "limit")
    svc = _service(request)
    limit = _limit(request)
    path = _resolve(request, svc)
    if path is None:
        raise ApiError(400, "path is required (one of the roots listed by GET /disk-usage-details)")
    current = svc.view(path)
    if current is None or not (current.running or current.queued):  # joining a queued scan costs nothing
        wait = clients.take(request.remote_addr or "")
        if wait > 0:
            raise ApiError(429, f"too many rescans from this client; retry in {math.ceil(wait)}s",
                           {"Retry-After": str(math.ceil(wait))})
    try:
        view = svc.request(path, force=True)
    except PathRejected as e:
        raise _rejected(e) from None
    body = view_json(view, limit, svc.now()) | {"limit": limit, "kept": svc.keep}
    return _reply(body, 202)


def _total(v: Any) -> int | None:
    return None if v.result is None else int(v.result.total_bytes)


def rules() -> list[Rule]:
    """The routes, with a rate limit of rescans per client address of their own (one per app)."""
    clients = RateLimiter(CLIENT_BURST, CLIENT_PER)

    def post(request: WebRequest) -> Response:
        return rescan(request, clients)

    return [route("/disk-usage-details", details), route("/disk-usage-details", post, methods=("POST",))]
