"""Query-string checks shared by every route: unknown or repeated parameters are 400s."""

from __future__ import annotations

from collections.abc import Iterable

from flask import request

from exporter.web.errors import ApiError


def check_query(*allowed: str, repeatable: Iterable[str] = ()) -> None:
    """Reject parameters a route does not take, and repeats of those it takes once."""
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        known = ", ".join(allowed) or "none"
        raise ApiError(400, f"unknown query parameter: {unknown[0]} (known: {known})")
    many = set(repeatable)
    for name in allowed:
        if name not in many and len(request.args.getlist(name)) > 1:
            raise ApiError(400, f"query parameter {name} is given more than once")
