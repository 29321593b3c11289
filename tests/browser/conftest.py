"""Fixtures for the page tests: Debian's Chromium driven by Playwright, real exporters.

Skips (naming the package to install) when Chromium, Playwright or the vendored
uPlot is missing. Never downloads a browser.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import REPO, ExporterProcess

CHROMIUM = Path("/usr/bin/chromium")
STATIC = REPO / "exporter" / "web" / "static"
ARTIFACTS = REPO / "test-artifacts"
# Endpoints that answer 404 by design while their feature is disabled.
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Levels a working host never reaches (ratios are capped at 1.0 by the config), so that no alert
# is pending or firing whatever else runs on the machine: the page's quiet state is testable.
NEVER = {"warning": 1.0, "critical": 1.0}
QUIET_CONFIG: dict[str, Any] = {
    "dirsize": {"enabled": False},
    "alerts": {"cpu": NEVER, "memory": NEVER, "swap": NEVER, "filesystem": NEVER,
               "load_per_core": {"warning": 1000.0, "critical": 1000.0}},
}


def _requirements() -> str | None:
    if not CHROMIUM.exists():
        return "Chromium not installed at /usr/bin/chromium: sudo apt-get install chromium"
    if importlib.util.find_spec("playwright") is None:
        return "playwright (Python) not installed: pip install -e '.[test]'"
    if not (STATIC / "vendor" / "uPlot.esm.js").exists():
        return "uPlot not vendored into exporter/web/static/vendor: run `make vendor`"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _requirements()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[ExporterProcess]:
    """One exporter (history off, default thresholds) shared by the read-only tests."""
    proc = ExporterProcess(tmp_path_factory.mktemp("page"), QUIET_CONFIG)
    proc.start()
    yield proc
    proc.stop()


@dataclass
class Console:
    """Console messages and page errors seen by one page."""

    messages: list[tuple[str, str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def unexpected_errors(self) -> list[str]:
        """Every console error and page error: a disabled feature is told through /data and
        an empty root list, never by a 404, so a clean page logs none."""
        out = [f"{text} ({url})" for kind, text, url in self.messages if kind == "error"]
        return out + [f"page error: {e}" for e in self.page_errors]


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., tuple[Any, Console]]]:
    """open_page(url, width=, height=, scheme=, clock=) → (page, console); closed after the test."""
    contexts: list[Any] = []

    def _open(url: str | None = None, *, width: int = 1280, height: int = 900, scheme: str = "light",
              clock: bool = False, setup: Callable[[Any], None] | None = None) -> tuple[Any, Console]:
        ctx = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        console = Console()
        page.on("console", lambda m: console.messages.append((m.type, m.text, m.location.get("url", ""))))
        page.on("pageerror", lambda e: console.page_errors.append(str(e)))
        if clock:
            page.clock.install()
        if setup:
            setup(page)
        if url:
            page.goto(url)
        return page, console

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
