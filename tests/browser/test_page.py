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
from tests.support.servers import REPO, ExporterProcess, free_port, http_get, wait_until

pytestmark = pytest.mark.browser

# Thresholds every host crosses at once: the banner must appear.
ALERTING_CONFIG: dict[str, Any] = {
    "alerts": {
        "cpu": {"warning": 0.0, "critical": 0.0, "for": "0s"},
        "memory": {"warning": 0.01, "critical": 0.02, "for": "0s"},
    },
    "dirsize": {"enabled": False},
}

REFRESH_S = 1  # every test loads the page with ?refresh=1
FIXTURE_ROOT = REPO / "tests" / "fixtures" / "root"


def expect(*args: Any, **kw: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(*args, **kw)


def wait_for_data(page: Any, ticks: int = 1) -> None:
    """Until the page has rendered `ticks` /data responses."""
    page.wait_for_function("n => window.sysmonDebug && window.sysmonDebug.responses >= n", arg=ticks)


def debug(page: Any) -> dict[str, int]:
    return page.evaluate("() => Object.assign({}, window.sysmonDebug)")


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
    assert page.locator("#charts canvas").count() == 5
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


def test_process_table_sorts_by_clicked_column(server: ExporterProcess, open_page: Any) -> None:
    page, _ = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}")
    wait_for_data(page)
    rows = page.locator("#proc-body tr[data-pid]")
    expect(rows.first).to_be_visible()
    assert 1 <= rows.count() <= 25

    def column(index: int) -> list[str]:
        return page.eval_on_selector_all(f"#proc-body tr[data-pid] td:nth-child({index})",
                                         "tds => tds.map(td => td.textContent)")

    def numbers(index: int) -> list[float]:
        return [float(v) if v != "–" else float("-inf") for v in column(index)]

    # Default: by CPU, highest first.
    expect(page.locator("th[data-key=cpu_percent]")).to_have_attribute("aria-sort", "descending")
    page.click("th[data-key=pid] button")
    expect(page.locator("th[data-key=pid]")).to_have_attribute("aria-sort", "ascending")
    pids = numbers(1)
    assert pids == sorted(pids)
    page.click("th[data-key=pid] button")
    expect(page.locator("th[data-key=pid]")).to_have_attribute("aria-sort", "descending")
    pids = numbers(1)
    assert pids == sorted(pids, reverse=True)
    page.click("th[data-key=memory_percent] button")
    expect(page.locator("th[data-key=memory_percent]")).to_have_attribute("aria-sort", "descending")
    expect(page.locator("th[data-key=pid]")).to_have_attribute("aria-sort", "none")
    mem = numbers(6)
    assert mem == sorted(mem, reverse=True)
    expect(page.locator("#proc-basis")).to_contain_text("by memory")
    page.click("th[data-key=name] button")
    names = page.eval_on_selector_all("#proc-body tr[data-pid] .pname", "els => els.map(e => e.textContent)")
    assert names == sorted(names, key=lambda s: s.lower()) or names == sorted(names)


def test_hidden_interfaces_are_hidden_until_toggled(server: ExporterProcess, open_page: Any) -> None:
    data = json.loads(server.get("/data")[1])
    hidden = [n["device"] for n in data["network"] if n["hidden"]]
    if not hidden:
        pytest.skip("no interface on this host matches network.page_hide")
    page, _ = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}")
    wait_for_data(page, ticks=2)
    dev = hidden[0]
    assert page.locator(f"#net-list [data-iface='{dev}']").count() == 0
    assert f"{dev} rx" not in page.locator("#chart-net").inner_text()
    page.check("#show-hidden-ifaces")
    expect(page.locator(f"#net-list [data-iface='{dev}']")).to_be_visible()
    expect(page.locator("#chart-net")).to_contain_text(f"{dev} rx")


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


# ---------------------------------------------------------------- alerts


def test_low_thresholds_show_the_alert_banner_and_title_count(tmp_path: Path, open_page: Any,
                                                             artifacts: Path) -> None:
    proc = ExporterProcess(tmp_path, ALERTING_CONFIG)
    proc.start()
    try:
        page, console = open_page(f"{proc.url}/?debug=1&refresh={REFRESH_S}")
        banner = page.locator("#alert-banner")
        expect(banner).to_be_visible()
        expect(banner).to_have_attribute("data-severity", "critical")
        expect(banner).to_contain_text("Memory")
        expect(page.locator("#alert-banner .alert-item[data-severity=critical] .badge").first).to_have_text(
            "critical")
        expect(page).to_have_title(re.compile(r"^\(\d+\) System Monitor — "))
        expect(page.locator("#tile-memory")).to_have_attribute("data-level", "crit")
        expect(page.locator("#alert-log-body tr[data-state=firing]").first).to_contain_text("active")
        firing = len(json.loads(proc.get("/data")[1])["alerts"]["firing"])
        assert firing >= 1
        page.screenshot(path=str(artifacts / "dashboard-alerts.png"), full_page=True)
        assert console.unexpected_errors() == []
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
        page.screenshot(path=str(artifacts / "dashboard-connection-lost.png"))
        proc = ExporterProcess(tmp_path, QUIET_CONFIG, port=port)
        proc.start()
        expect(page.locator("#status")).to_have_attribute("data-state", "live")
        expect(page.locator("#conn-lost")).to_be_hidden()
    finally:
        proc.stop()


# ---------------------------------------------------------------- history ranges


def test_history_disabled_disables_the_long_ranges(server: ExporterProcess, open_page: Any) -> None:
    page, _ = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}&range=24h")
    expect(page.locator("#history-note")).to_be_visible()
    expect(page.locator("#history-note")).to_have_text("history disabled")
    for value in ("1h", "24h", "7d", "30d"):
        expect(page.locator(f"#range option[value='{value}']")).to_be_disabled()
    expect(page.locator("#range option[value=live]")).to_be_enabled()
    # The unavailable range asked for in the URL falls back to live.
    expect(page.locator("#range")).to_have_value("live")
    assert "range" not in parse_qs(urlparse(page.url).query)


def test_long_range_draws_from_history(tmp_path: Path, open_page: Any) -> None:
    """A real exporter with history on (1 s samples): the 1 h range draws what /history returns."""
    exp = ExporterProcess(tmp_path, {"history": {"sample_interval": "1s"}}, history=True)
    exp.start()
    try:
        asked: list[dict[str, list[str]]] = []
        page, _ = open_page(f"{exp.url}/?debug=1&refresh={REFRESH_S}")
        page.on("request", lambda r: asked.append(parse_qs(urlparse(r.url).query))
                if urlparse(r.url).path == "/history" else None)
        wait_for_data(page, ticks=2)

        def recorded() -> bool:  # the writer thread has committed a few samples
            body = http_get(exp.url + "/history?series=cpu.percent&from=-1h")[1]
            return len(json.loads(body)["series"]["cpu.percent"]["t"]) >= 2

        wait_until(recorded, 15, 0.2, what="history samples")
        expect(page.locator("#range option[value='7d']")).to_be_enabled()
        page.select_option("#range", "1h")
        assert parse_qs(urlparse(page.url).query)["range"] == ["1h"]
        cpu = page.locator("#chart-cpu")
        expect(cpu).to_have_attribute("data-source", "history")
        expect(cpu).not_to_have_attribute("data-points", "0")  # drawn once /history answered
        q = asked[-1]
        assert q["from"] == ["-1h"] and q["to"] == ["now"] and q["points"] == ["300"]
        assert {"cpu.percent", "memory.percent", "load.load1"} <= set(q["series"][0].split(","))
        # Back to live: the in-memory ring buffers again.
        page.select_option("#range", "live")
        expect(cpu).to_have_attribute("data-source", "live")
    finally:
        exp.stop()


def test_debug_counters_only_with_debug_in_the_url(server: ExporterProcess, open_page: Any) -> None:
    page, console = open_page(f"{server.url}/?refresh={REFRESH_S}")
    expect(page.locator("#updated")).not_to_have_attribute("data-ts", "")
    assert page.evaluate("() => typeof window.sysmonDebug") == "undefined"
    assert page.evaluate("() => typeof window.sysmonInternals") == "undefined"
    assert console.unexpected_errors() == []
