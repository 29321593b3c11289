"""/disk-usage-details: largest directories and files of the allowlisted roots.

GET never waits for a scan: 200 with the cached result, or 202 with the progress of
the scan it queued. POST queues a rescan (202). Without `path`, GET lists the roots.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from exporter.dirsize.service import DirSizeService, PathRejected, view_json
from exporter.web.context import get_runtime
from exporter.web.errors import ApiError
from exporter.web.params import check_query

blueprint = Blueprint("dirsize", __name__)

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
_NO_STORE = {"Cache-Control": "no-store"}


def _service() -> DirSizeService:
    svc: DirSizeService | None = getattr(get_runtime(), "dirsize", None)
    if svc is None:
        raise ApiError(404, "directory scans are disabled in the configuration")
    return svc


def _limit() -> int:
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


def _resolve(svc: DirSizeService) -> Any:
    path = request.args.get("path")
    if path is None:
        return None
    try:
        return svc.resolve(path)
    except PathRejected as e:
        raise ApiError(e.status, e.message) from None


def _reply(body: dict[str, Any], status: int) -> tuple[Response, int, dict[str, str]]:
    return jsonify(body), status, _NO_STORE


@blueprint.get("/disk-usage-details")
def details() -> tuple[Response, int, dict[str, str]]:
    check_query("path", "limit")
    if getattr(get_runtime(), "dirsize", None) is None and "path" not in request.args:
        # The list of roots is empty when scans are off: a page can say so without an error.
        return _reply({"enabled": False, "roots": [], "max_limit": MAX_LIMIT}, 200)
    svc = _service()
    limit = _limit()
    path = _resolve(svc)
    now = svc.now()
    if path is None:
        roots = [view_json(v, 0, now) | {"result": None, "total_bytes": _total(v)} for v in svc.root_views()]
        return _reply({"enabled": True, "roots": roots, "max_limit": MAX_LIMIT, "kept": svc.keep}, 200)
    view = svc.request(path)
    body = view_json(view, limit, now) | {"limit": limit, "kept": svc.keep}
    return _reply(body, 200 if view.result is not None else 202)


@blueprint.post("/disk-usage-details")
def rescan() -> tuple[Response, int, dict[str, str]]:
    check_query("path", "limit")
    svc = _service()
    limit = _limit()
    path = _resolve(svc)
    if path is None:
        raise ApiError(400, "path is required (one of the roots listed by GET /disk-usage-details)")
    view = svc.request(path, force=True)
    body = view_json(view, limit, svc.now()) | {"limit": limit, "kept": svc.keep}
    return _reply(body, 202)


def _total(v: Any) -> int | None:
    return None if v.result is None else int(v.result.total_bytes)
