"""Alerts on the page, in real Chromium against exporters whose thresholds every host crosses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pagekit import LOOK_IDS, LOOKS, REFRESH_S, expect, shot, wait_for_data
from tests.support.servers import ExporterProcess

pytestmark = pytest.mark.browser

# Memory above 1 % fires critical after 2 s; CPU at or above 0 % and every filesystem at or
# above 0 % are pending for an hour (they hold at once but cannot fire within a test).
ALERTING_CONFIG: dict[str, Any] = {
    "alerts": {
        "cpu": {"warning": 0.0, "critical": 0.0, "for": "0s"},
        "memory": {"warning": 0.01, "critical": 0.02, "for": "2s"},
        "filesystem": {"warning": 0.0, "critical": 0.0001, "for": "1h"},
    },
}
PENDING_CONFIG: dict[str, Any] = {
    "alerts": {"cpu": {"warning": 0.0, "critical": 0.0, "for": "1h"},
               "memory": {"warning": 0.0, "critical": 0.0, "for": "1h"}},
}


@pytest.fixture(scope="module")
def alerting(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Any:
    proc = ExporterProcess(tmp_path_factory.mktemp("alerting"), ALERTING_CONFIG)
    proc.start()
    yield proc
    proc.stop()


@pytest.mark.parametrize("scheme,width,height", LOOKS, ids=LOOK_IDS)
def test_firing_alerts_show_banner_title_favicon_and_log(alerting: ExporterProcess, open_page: Any,
                                                         artifacts: Path, scheme: str, width: int,
                                                         height: int) -> None:
    page, console = open_page(f"{alerting.url}/?debug=1&refresh={REFRESH_S}", width=width, height=height,
                              scheme=scheme)
    banner = page.locator("#alert-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("data-severity", "critical")
    item = page.locator("#alert-banner .alert-item[data-severity=critical]", has_text="Memory").first
    expect(item.locator(".badge")).to_have_text("critical")
    # Held since the condition began (2 s of `for` at least), never "for 0s" when it fires.
    expect(item.locator(".since")).to_have_text(re.compile(r"^for (\d+m )?([2-9]|\d\d+)s$|^for \d+m$"))
    # The processes behind it are named.
    expect(item.locator(".culprits")).to_have_text(re.compile(r"^top: .+ \d+\.\d %"))
    cpu = page.locator("#alert-banner .alert-item[data-severity=critical]", has_text="CPU").first
    expect(cpu.locator(".culprits")).to_have_text(re.compile(r"^top: "))
    expect(page).to_have_title(re.compile(r"^\(\d+\) System Monitor — "))
    # The favicon carries the firing count, drawn in the critical colour.
    icon = page.locator("#favicon")
    expect(icon).to_have_attribute("data-level", "critical")
    expect(icon).to_have_attribute("href", re.compile(r"^data:image/png;base64,"))
    firing = len(json.loads(alerting.get("/data")[1])["alerts"]["firing"])
    assert firing >= 2 and int(icon.get_attribute("data-count") or 0) >= 2
    expect(page.locator("#tile-memory")).to_have_attribute("data-level", "crit")
    # The log names the peak.
    row = page.locator("#alert-log-body tr[data-state=firing]", has_text="Memory").first
    expect(row).to_contain_text("active")
    expect(row.locator("td").first).to_have_text(re.compile(r"^Memory reached \d+\.\d % \(≥ [12]\.0 %\)$"))
    shot(page, artifacts, "alerts-firing", scheme, width)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert console.unexpected_errors() == []


def test_filesystem_bars_take_the_threshold_colour_before_the_alert_fires(alerting: ExporterProcess,
                                                                           open_page: Any) -> None:
    page, _ = open_page(f"{alerting.url}/?debug=1&refresh={REFRESH_S}")
    wait_for_data(page, 2)
    row = page.locator("#fs-list .fs-row").first
    # Above the critical level at once, while the alert itself waits for its hour.
    expect(row).to_have_attribute("data-level", "crit")
    expect(row).to_have_attribute("data-alert", "pending")
    colours = page.evaluate("""() => {
        const fill = document.querySelector('#fs-list .fs-row .fill');
        const probe = document.createElement('div');
        probe.style.background = 'var(--crit)';
        document.body.appendChild(probe);
        const want = getComputedStyle(probe).backgroundColor;
        probe.remove();
        return [getComputedStyle(fill).backgroundColor, want];
    }""")
    assert colours[0] == colours[1]
    # The CPU and memory charts draw their warning and critical lines (percent of the chart).
    expect(page.locator("#chart-memory")).to_have_attribute("data-thresholds", "1,2")
    expect(page.locator("#chart-cpu")).to_have_attribute("data-thresholds", "0,0")


@pytest.mark.parametrize("scheme,width,height", LOOKS, ids=LOOK_IDS)
def test_pending_alerts_are_in_the_banner_with_the_time_left(tmp_path: Path, open_page: Any, artifacts: Path,
                                                             scheme: str, width: int, height: int) -> None:
    proc = ExporterProcess(tmp_path, PENDING_CONFIG)
    proc.start()
    try:
        page, console = open_page(f"{proc.url}/?debug=1&refresh={REFRESH_S}", width=width, height=height,
                                  scheme=scheme)
        banner = page.locator("#alert-banner")
        expect(banner).to_be_visible()
        expect(banner).to_have_attribute("data-severity", "pending")
        item = page.locator("#alert-banner .alert-item[data-severity=pending]", has_text="Memory").first
        expect(item.locator(".badge")).to_have_text(re.compile(r"^pending (warning|critical)$"))
        expect(item.locator(".since")).to_have_text(re.compile(r"^for \d+s, fires after 1h$"))
        expect(page.locator("#tile-memory")).to_have_attribute("data-level", "pending")
        # Nothing fires: the title and the favicon say so.
        expect(page).to_have_title(re.compile(r"^System Monitor — "))
        expect(page.locator("#favicon")).to_have_attribute("data-count", "0")
        shot(page, artifacts, "alerts-pending", scheme, width)
        assert console.unexpected_errors() == []
    finally:
        proc.stop()
