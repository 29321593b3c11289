"""One error type for the HTTP API: raised anywhere in a route, sent as 4xx JSON."""

from __future__ import annotations


class ApiError(Exception):
    """A request problem the user can fix; becomes `{"error": message}` with `status`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}  # e.g. Retry-After on a 429 or 503
