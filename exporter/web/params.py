"""Query-string checks shared by every route: unknown or repeated parameters are 400s."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from exporter.web.errors import ApiError

if TYPE_CHECKING:
    from werkzeug.wrappers import Request


def check_query(request: Request, *allowed: str, repeatable: Iterable[str] = ()) -> None:
    """Reject parameters a route does not take, and repeats of those it takes once."""
    args = request.args
    if not args:
        return
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        known = ", ".join(allowed) or "none"
        raise ApiError(400, f"unknown query parameter: {unknown[0]} (known: {known})")
    many = set(repeatable)
    for name in allowed:
        if name not in many and len(args.getlist(name)) > 1:
            raise ApiError(400, f"query parameter {name} is given more than once")


def shown(text: str, limit: int = 40) -> str:
    """A parameter value quoted for an error message, cut to `limit` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def whole_number(name: str, text: str, lo: int, hi: int) -> int:
    """`text` as an int in [lo, hi], checked before conversion.

    Only ASCII digits (int() would also take "١٢", "1_000", " 12 ") and no more digits
    than `hi` has, so a 4,301-digit value is a 400, never int()'s ValueError or a 500."""
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0") or "0") > len(str(hi)):
        raise ApiError(400, f"{name}: expected a whole number from {lo} to {hi}, got {shown(text)}")
    value = int(text)
    if not lo <= value <= hi:
        raise ApiError(400, f"{name}: must be between {lo} and {hi}, got {value}")
    return value
