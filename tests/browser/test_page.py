"""The dashboard in real headless Chromium against a real exporter.

Time is never waited for with sleeps: the page is polled with Playwright's
auto-waiting assertions (deadlines), and where the test needs time to pass with
nothing happening (paused, hidden tab) it fast-forwards the page's fake clock.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import QUIET_CONFIG
from tests.browser.pagekit import LOOK_IDS, LOOKS, REFRESH_S, debug, expect, shot, wait_for_data
from tests.support.servers import REPO, ExporterProcess, free_port

pytestmark = pytest.mark.browser

FIXTURE_ROOT = REPO / "tests" / "fixtures" / "root"


# ---------------------------------------------------------------- load, look, console


@pytest.mark.parametrize(
    "scheme,width,height",
    [("light", 1440, 1000), ("dark", 1440, 1000), ("light", 390, 844), ("dark", 390, 844)],
    ids=["light-wide", "dark-wide", "light-phone", "dark-phone"],
)
def test_page_loads_without_console_errors(server: ExporterProcess, open_page: Any, artifacts: Path,
                                           scheme: str, width: int, height: int) -> None:
    page, console = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}", width=width, height=height, scheme=scheme)
    wait_for_data(page, ticks=2)
    page.wait_for_function("() => Number(document.querySelector('#chart-cpu').dataset.points) >= 2")
    expect(page.locator("#status")).to_have_attribute("data-state", "live")
    # Two /data responses in, /data has rates: "–" here means /data's cpu.percent stayed null.
    expect(page.locator("#cpu-value"), "CPU % after two /data responses").to_have_text(re.compile(r"^\d+\.\d %$"))
    expect(page.locator("#memory-value")).to_have_text(re.compile(r"^\d+\.\d %$"))
    expect(page.locator("#uptime-value")).to_have_text(re.compile(r"^\d+[dhms]"))
    expect(page.locator("#fs-list .fs-row").first).to_be_visible()
    # Every chart is a drawn uPlot canvas, and the dirsize section is there for its owner.
    assert page.locator("#charts canvas").count() == 6
    assert page.locator("section#dirsize").count() == 1
    hostname = json.loads(server.get("/data")[1])["hostname"]
    assert page.title() == f"System Monitor — {hostname}"
    # The page fits a phone: nothing wider than the viewport except inside scrolling wrappers.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(artifacts / f"dashboard-{scheme}-{'phone' if width < 600 else 'wide'}.png"),
                    full_page=True)
    assert console.unexpected_errors() == []


def test_loading_state_until_first_data(server: ExporterProcess, open_page: Any) -> None:
    held: list[Any] = []
    released = False

    def hold(route: Any) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)

    page, console = open_page(setup=lambda p: p.route("**/data", hold))
    page.goto(f"{server.url}/?debug=1&refresh={REFRESH_S}")
    page.wait_for_function("() => window.sysmonDebug && window.sysmonDebug.requests >= 1")
    expect(page.locator("#status")).to_have_attribute("data-state", "loading")
    expect(page.locator("#status")).to_have_text("Loading…")
    expect(page.locator("body")).to_have_class(re.compile("is-loading"))
    expect(page.locator("#proc-body")).to_have_text("Loading…")
    released = True
    for route in held:
        route.continue_()
    wait_for_data(page)
    expect(page.locator("#status")).to_have_attribute("data-state", "live")
    expect(page.locator("body")).not_to_have_class(re.compile("is-loading"))


def test_numbers_update_within_two_refresh_periods(server: ExporterProcess, open_page: Any) -> None:
    page, _ = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}")
    updated = page.locator("#updated")
    expect(updated).not_to_have_attribute("data-ts", "")
    first = updated.get_attribute("data-ts")
    # The timestamp of the shown snapshot (and so every number on the page) moves on.
    page.wait_for_function(
        "ts => document.querySelector('#updated').dataset.ts !== ts",
        arg=first, timeout=2 * REFRESH_S * 1000 + 500,
    )
    assert float(updated.get_attribute("data-ts") or 0) > float(first or 0)


def test_one_request_at_a_time_even_when_the_server_is_slow(server: ExporterProcess, open_page: Any) -> None:
    """Chained timers: a /data slower than the refresh period never overlaps the next one."""

    def slow(route: Any) -> None:
        response = route.fetch()
        time.sleep(1.2 * REFRESH_S)  # simulated latency, longer than the refresh period
        route.fulfill(response=response)

    page, _ = open_page(setup=lambda p: p.route("**/data", slow))
    page.goto(f"{server.url}/?debug=1&refresh={REFRESH_S}")
    wait_for_data(page, ticks=2)
    stats = debug(page)
    assert stats["maxInflight"] == 1
    assert stats["requests"] - stats["responses"] <= 1


# ---------------------------------------------------------------- controls and URL state


def test_refresh_and_pause_are_kept_in_the_url(server: ExporterProcess, open_page: Any) -> None:
    page, _ = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}", clock=True)
    wait_for_data(page)
    page.select_option("#refresh", "5")
    assert parse_qs(urlparse(page.url).query)["refresh"] == ["5"]
    expect(page.locator("#status")).to_have_text("Live · every 5 s")
    page.click("#pause")
    assert parse_qs(urlparse(page.url).query).get("paused") == ["1"]
    expect(page.locator("#status")).to_have_attribute("data-state", "paused")
    expect(page.locator("#pause")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("() => window.sysmonDebug.inflight === 0")
    before = debug(page)["requests"]
    page.clock.run_for(30_000)  # 30 s of page time: six refresh periods at 5 s
    assert debug(page)["requests"] == before
    page.click("#pause")
    assert "paused" not in parse_qs(urlparse(page.url).query)
    page.wait_for_function("n => window.sysmonDebug.requests > n", arg=before)


def test_paused_in_url_shows_one_snapshot_and_stops(server: ExporterProcess, open_page: Any) -> None:
    page, _ = open_page(f"{server.url}/?debug=1&refresh=2&paused=1", clock=True)
    wait_for_data(page)
    expect(page.locator("#status")).to_have_attribute("data-state", "paused")
    expect(page.locator("#pause")).to_have_text("Resume")
    expect(page.locator("#refresh")).to_have_value("2")
    page.clock.run_for(20_000)
    assert debug(page)["requests"] == 1


def test_hidden_tab_stops_polling_and_visible_resumes(server: ExporterProcess, open_page: Any) -> None:
    page, _ = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}", clock=True)
    wait_for_data(page)
    set_hidden = """hidden => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => hidden});
        Object.defineProperty(document, 'visibilityState', {configurable: true,
                                                            get: () => hidden ? 'hidden' : 'visible'});
        document.dispatchEvent(new Event('visibilitychange'));
    }"""
    page.evaluate(set_hidden, True)
    page.wait_for_function("() => window.sysmonDebug.inflight === 0")
    before = debug(page)["requests"]
    page.clock.run_for(10_000)
    assert debug(page)["requests"] == before
    page.evaluate(set_hidden, False)
    page.wait_for_function("n => window.sysmonDebug.responses > n", arg=debug(page)["responses"])


# ---------------------------------------------------------------- content


# Nothing can fire within a test, nor be pending (the banner shows pending alerts): levels no
# working host reaches, which must moreover hold for a day first.
NEVER_FIRING: dict[str, Any] = {"alerts": {name: {**level, "for": "1d"}
                                           for name, level in QUIET_CONFIG["alerts"].items()}}


def test_no_swap_and_no_alerts_have_empty_states(tmp_path: Path, open_page: Any) -> None:
    """Both states come from the configuration, not from the host: a fixture /proc whose
    meminfo has no swap (root_prefix), and thresholds that need a day before they fire."""
    root = tmp_path / "root"
    shutil.copytree(FIXTURE_ROOT, root, symlinks=True)
    meminfo = root / "proc" / "meminfo"
    meminfo.write_text(re.sub(r"^(Swap(Total|Free|Cached)):\s+\d+", r"\1: 0", meminfo.read_text(), flags=re.M))
    proc = ExporterProcess(tmp_path, {**QUIET_CONFIG, **NEVER_FIRING, "root_prefix": str(root)})
    proc.start()
    try:
        page, _ = open_page(f"{proc.url}/?debug=1&refresh={REFRESH_S}")
        wait_for_data(page)
        data = json.loads(proc.get("/data")[1])
        assert data["swap"]["total_bytes"] == 0 and data["alerts"]["firing"] == [] == data["alerts"]["log"]
        expect(page.locator("#alert-banner")).to_be_hidden()
        expect(page.locator("#alert-log-body")).to_have_text("No alerts so far.")
        expect(page.locator("#swap-value")).to_have_text("No swap")
        expect(page.locator("#tile-swap")).to_have_class(re.compile("is-empty"))
    finally:
        proc.stop()


# ---------------------------------------------------------------- connection lost


def test_connection_lost_then_recovers_on_restart(tmp_path: Path, open_page: Any, artifacts: Path) -> None:
    port = free_port()
    proc = ExporterProcess(tmp_path, QUIET_CONFIG, port=port)
    proc.start()
    try:
        page, _ = open_page(f"{proc.url}/?debug=1&refresh={REFRESH_S}")
        wait_for_data(page)
        proc.stop()
        expect(page.locator("#status")).to_have_attribute("data-state", "lost")
        expect(page.locator("#status")).to_have_text(re.compile("connection lost, retrying", re.I))
        expect(page.locator("#conn-lost")).to_be_visible()
        expect(page).to_have_title(re.compile(r"^\(lost\) System Monitor"))
        page.screenshot(path=str(artifacts / "dashboard-connection-lost.png"))
        proc = ExporterProcess(tmp_path, QUIET_CONFIG, port=port)
        proc.start()
        expect(page.locator("#status")).to_have_attribute("data-state", "live")
        expect(page.locator("#conn-lost")).to_be_hidden()
        expect(page).to_have_title(re.compile(r"^System Monitor"))
    finally:
        proc.stop()


def test_debug_counters_only_with_debug_in_the_url(server: ExporterProcess, open_page: Any) -> None:
    page, console = open_page(f"{server.url}/?refresh={REFRESH_S}")
    expect(page.locator("#updated")).not_to_have_attribute("data-ts", "")
    assert page.evaluate("() => typeof window.sysmonDebug") == "undefined"
    assert page.evaluate("() => typeof window.sysmonInternals") == "undefined"
    assert console.unexpected_errors() == []


@pytest.mark.parametrize("scheme,width,height", LOOKS, ids=LOOK_IDS)
def test_keyboard_shortcuts_and_their_help(server: ExporterProcess, open_page: Any, artifacts: Path,
                                           scheme: str, width: int, height: int) -> None:
    page, console = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}", width=width, height=height,
                              scheme=scheme)
    wait_for_data(page)
    page.keyboard.press("?")
    help_ = page.locator("#help")
    expect(help_).to_be_visible()
    expect(help_).to_contain_text("pause or resume")
    shot(page, artifacts, "help", scheme, width)
    page.keyboard.press("Escape")
    expect(help_).to_be_hidden()
    page.keyboard.press("p")
    expect(page.locator("#status")).to_have_attribute("data-state", "paused")
    assert parse_qs(urlparse(page.url).query).get("paused") == ["1"]
    page.keyboard.press("p")
    expect(page.locator("#status")).to_have_attribute("data-state", "live")
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "proc-filter"
    # Keys typed into a field are text, not shortcuts; Escape leaves the field.
    page.keyboard.type("p?")
    expect(page.locator("#proc-filter")).to_have_value("p?")
    expect(help_).to_be_hidden()
    expect(page.locator("#status")).to_have_attribute("data-state", "live")
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.activeElement.id") != "proc-filter"
    page.click("#help-open")
    expect(help_).to_be_visible()
    page.click("#help-close")
    expect(help_).to_be_hidden()
    assert console.unexpected_errors() == []
