"""Helpers shared by the page tests: waiting on the page's debug counters, the viewports."""

from __future__ import annotations

from typing import Any

# The looks every behaviour is checked in: a desktop and a phone, each in light and dark.
LOOKS = [("light", 1440, 900), ("dark", 1440, 900), ("light", 390, 844), ("dark", 390, 844)]
LOOK_IDS = ["light-wide", "dark-wide", "light-phone", "dark-phone"]
REFRESH_S = 1  # the tests load the page with ?refresh=1


def expect(*args: Any, **kw: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(*args, **kw)


def wait_for_data(page: Any, ticks: int = 1) -> None:
    """Until the page has rendered `ticks` /data responses (needs ?debug=1)."""
    page.wait_for_function("n => window.sysmonDebug && window.sysmonDebug.responses >= n", arg=ticks)


def debug(page: Any) -> dict[str, int]:
    return page.evaluate("() => Object.assign({}, window.sysmonDebug)")


def shot(page: Any, artifacts: Any, name: str, scheme: str, width: int) -> None:
    page.screenshot(path=str(artifacts / f"{name}-{scheme}-{width}.png"), full_page=True)
