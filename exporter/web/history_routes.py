"""GET /history and /history/series: the SQLite history over HTTP (API documented in exporter.history)."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from exporter.config import parse_duration
from exporter.history.errors import HistoryUnavailable
from exporter.web.dispatch import WebRequest, json_response, route
from exporter.web.errors import ApiError
from exporter.web.params import check_query, shown, whole_number

if TYPE_CHECKING:  # the store loads sqlite3; only an enabled history needs it
    from exporter.history.store import HistoryStore

MAX_SERIES_PER_QUERY = 20
DEFAULT_POINTS = 300
MAX_POINTS = 2000
MAX_TIMESTAMP = 4102444800.0  # 2100-01-01: beyond it a number is a typo, not a time
_NO_STORE = {"Cache-Control": "no-store"}
_RELATIVE = re.compile(r"^-\s*(\d+(?:\.\d+)?(?:ms|s|m|h|d|w|y))+$")


def _store(request: WebRequest) -> HistoryStore:
    store: HistoryStore | None = getattr(request.runtime, "history", None)
    if store is None:
        raise ApiError(404, "history is disabled (history.enabled: false or --no-history)")
    return store


def _one(request: WebRequest, name: str) -> str | None:
    value = request.args.get(name)
    return value.strip() if value is not None else None


def parse_time(name: str, text: str, now: float) -> float:
    """Unix seconds from "1700000000", "now" or a relative "-1h" / "-7d" / "-90s"."""
    if text == "now":
        return now
    if text.startswith("-") and _RELATIVE.match(text):
        return max(0.0, now - parse_duration(text[1:].strip()))
    try:
        value = float(text) if len(text) <= 32 else math.nan  # bounded before conversion
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ApiError(400, f"{name}: expected Unix seconds, 'now' or a relative time such as -1h or -7d, "
                            f"got {shown(text)}")
    if value < 0:
        raise ApiError(400, f"{name}: Unix seconds cannot be negative (for a relative time write -1h, -24h, -7d)")
    if value > MAX_TIMESTAMP:
        raise ApiError(400, f"{name}: {text[:40]} is out of range (Unix seconds up to {MAX_TIMESTAMP:.0f})")
    return value


def _series_names(request: WebRequest, store: HistoryStore) -> list[str]:
    names: list[str] = []
    for value in request.args.getlist("series"):
        names.extend(n.strip() for n in value.split(",") if n.strip())
    names = list(dict.fromkeys(names))
    if not names:
        raise ApiError(400, "series: at least one series name is required (see /history/series)")
    if len(names) > MAX_SERIES_PER_QUERY:
        raise ApiError(400, f"series: at most {MAX_SERIES_PER_QUERY} series per request, got {len(names)}")
    known = store.known_series()
    for n in names:
        if n not in known:
            raise ApiError(400, f"series: unknown series {n!r} (see /history/series)")
    return names


def history(request: WebRequest) -> Response:
    check_query(request, "series", "from", "to", "points", repeatable=("series",))
    store = _store(request)
    now = store.now()
    start = parse_time("from", _one(request, "from") or "-1h", now)
    end = parse_time("to", _one(request, "to") or "now", now)
    if start > end:
        raise ApiError(400, f"from ({start}) is after to ({end})")
    points_text = _one(request, "points")
    if points_text is None:
        points = DEFAULT_POINTS
    else:
        points = whole_number("points", points_text, 1, MAX_POINTS)
    names = _series_names(request, store)
    try:
        result = store.query(names, start, end, points)
    except HistoryUnavailable as e:
        raise ApiError(503, str(e)) from None
    return json_response(result.to_json(), headers=_NO_STORE)


def history_series(request: WebRequest) -> Response:
    check_query(request)
    store = _store(request)
    try:
        series = store.list_series()
    except HistoryUnavailable as e:
        raise ApiError(503, str(e)) from None
    return json_response({"series": series}, headers=_NO_STORE)


def rules() -> list[Rule]:
    return [route("/history", history), route("/history/series", history_series)]
