"""Where routes find the running services (set by the app factory)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app

if TYPE_CHECKING:
    from exporter.runtime import Runtime


def get_runtime() -> Runtime:
    runtime: Any = current_app.extensions["sysmon"]
    return runtime  # type: ignore[no-any-return]
