"""The charts in real Chromium: history ranges, prefill from history, legends, ticks, zoom.

History tests run one real exporter recording every second; they wait for committed samples
by polling /history with a deadline, never by sleeping.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.pagekit import LOOK_IDS, LOOKS, REFRESH_S, expect, shot, wait_for_data
from tests.support.servers import ExporterProcess, http_get, wait_until

pytestmark = pytest.mark.browser

RECORDED = 5  # samples committed before the history tests open the page
PERCENT_STEPS = {1, 2, 5, 10, 20, 25, 50}
BYTE_STEPS = {m * 1024**u for u in range(7) for m in (1, 2, 5, 10, 20, 50, 100, 200, 500)}


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Any:
    """An exporter with history on (1 s samples) that has committed RECORDED samples."""
    exp = ExporterProcess(tmp_path_factory.mktemp("history"), {"history": {"sample_interval": "1s"}}, history=True)
    exp.start()

    def recorded() -> bool:
        body = http_get(exp.url + "/history?series=cpu.percent&from=-5m&points=600")[1]  # raw, 1 s apart
        return len(json.loads(body)["series"]["cpu.percent"]["t"]) >= RECORDED

    wait_until(recorded, 30, 0.2, what=f"{RECORDED} history samples")
    yield exp
    exp.stop()


def first_recorded(exp: ExporterProcess) -> float:
    """When recording began: the earliest series (cpu.percent starts one sample late, with the first rate)."""
    series = json.loads(exp.get("/history/series")[1])["series"]
    return min(s["first"] for s in series if s["first"] is not None)


def steps(fig: Any, attr: str = "data-y-splits") -> set[float]:
    splits = [float(v) for v in (fig.get_attribute(attr) or "").split(",") if v]
    return {round(b - a, 6) for a, b in zip(splits, splits[1:], strict=False)}


def test_history_disabled_disables_the_long_ranges(server: ExporterProcess, open_page: Any) -> None:
    page, _ = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}&range=24h")
    expect(page.locator("#history-note")).to_be_visible()
    expect(page.locator("#history-note")).to_have_text("history disabled")
    for value in ("1h", "24h", "7d", "30d"):
        expect(page.locator(f"#range option[value='{value}']")).to_be_disabled()
    expect(page.locator("#range option[value=live]")).to_be_enabled()
    # The unavailable range asked for in the URL falls back to live, and so does its shortcut.
    expect(page.locator("#range")).to_have_value("live")
    assert "range" not in parse_qs(urlparse(page.url).query)
    page.keyboard.press("3")
    expect(page.locator("#range")).to_have_value("live")
    expect(page.locator("#history-since")).to_be_hidden()


@pytest.mark.parametrize("scheme,width,height", LOOKS, ids=LOOK_IDS)
def test_live_charts_open_with_the_recorded_hour(recording: ExporterProcess, open_page: Any, artifacts: Path,
                                                 scheme: str, width: int, height: int) -> None:
    page, console = open_page(f"{recording.url}/?debug=1&refresh={REFRESH_S}", width=width, height=height,
                              scheme=scheme)
    charts = page.locator("#charts")
    expect(charts).to_have_attribute("data-prefilled", re.compile(r"^\d+$"))
    prefilled = int(charts.get_attribute("data-prefilled") or 0)
    assert prefilled >= RECORDED // 2  # 2-second buckets: an hour in /history's 2,000 points
    cpu = page.locator("#chart-cpu")
    # Charts off screen (below the tiles on a phone) catch up when they come into view.
    cpu.scroll_into_view_if_needed()
    page.wait_for_function("n => Number(document.querySelector('#chart-cpu').dataset.points) > n", arg=prefilled)
    responses = page.evaluate("() => window.sysmonDebug.responses")
    points = int(cpu.get_attribute("data-points") or 0)
    # More points than /data answers so far: the recorded ones are drawn before the live ones.
    assert points >= prefilled + 1 and points > responses, (points, prefilled, responses)
    first = first_recorded(recording)
    assert float(cpu.get_attribute("data-x-min") or 0) <= first + 1
    expect(page.locator("#history-since")).to_have_text(re.compile(r"^history since \d"))
    # At rest (no cursor on a chart) the legend shows the latest values, not "–".
    page.mouse.move(1, 1)
    expect(cpu.locator(".u-legend .u-series").nth(1).locator(".u-value")).to_have_text(re.compile(r"^\d+\.\d %$"))
    expect(cpu.locator(".u-legend .u-series").first.locator(".u-value")).not_to_have_text("–")
    # Ticks on round values, one-line distinct time labels.
    assert steps(cpu) <= PERCENT_STEPS
    assert all(re.fullmatch(r"\d+ %", t) for t in (cpu.get_attribute("data-y-ticks") or "").split("|"))
    for fig in page.locator("#chart-net, #chart-disk").all():
        if fig.get_attribute("data-y-splits"):
            assert steps(fig) <= BYTE_STEPS, fig.get_attribute("data-y-ticks")
    x_ticks = (cpu.get_attribute("data-x-ticks") or "").split("|")
    assert len(x_ticks) == len(set(x_ticks)) >= 2 and not any("\n" in t for t in x_ticks)
    assert all(re.fullmatch(r"\d\d:\d\d(:\d\d)?|\w+ \d+|\d+ \w+\.?", t) for t in x_ticks), x_ticks
    shot(page, artifacts, "charts-prefilled", scheme, width)
    assert console.unexpected_errors() == []


def test_long_ranges_draw_only_the_recorded_span(recording: ExporterProcess, open_page: Any) -> None:
    asked: list[dict[str, list[str]]] = []
    page, console = open_page(f"{recording.url}/?debug=1&refresh={REFRESH_S}")
    page.on("request", lambda r: asked.append(parse_qs(urlparse(r.url).query))
            if urlparse(r.url).path == "/history" else None)
    wait_for_data(page, ticks=2)
    expect(page.locator("#range option[value='7d']")).to_be_enabled()
    page.select_option("#range", "1h")
    assert parse_qs(urlparse(page.url).query)["range"] == ["1h"]
    cpu = page.locator("#chart-cpu")
    expect(cpu).to_have_attribute("data-source", "history")
    expect(cpu).not_to_have_attribute("data-points", "0")  # drawn once /history answered
    q = asked[-1]
    assert q["from"] == ["-1h"] and q["to"] == ["now"] and q["points"] == ["300"]
    assert {"cpu.percent", "memory.percent", "load.load1"} <= set(q["series"][0].split(","))
    first = first_recorded(recording)
    for key, range_ in (("4", "7d"), ("5", "30d")):
        page.keyboard.press(key)
        expect(page.locator("#range")).to_have_value(range_)
        page.wait_for_function("() => document.querySelector('#chart-cpu').dataset.points !== '0' && "
                               "Number(document.querySelector('#chart-cpu').dataset.xMin) > 1e9")
        x_min, x_max = float(cpu.get_attribute("data-x-min") or 0), float(cpu.get_attribute("data-x-max") or 0)
        # Starts where recording began (not at the bucket's aligned start, not a week back).
        assert first - 1 <= x_min and x_max - x_min < 3600, (range_, x_min, x_max, first)
    page.keyboard.press("1")
    expect(cpu).to_have_attribute("data-source", "live")
    assert console.unexpected_errors() == []


@pytest.mark.parametrize("scheme,width,height", LOOKS, ids=LOOK_IDS)
def test_drag_zooms_every_chart_pauses_them_and_pans(recording: ExporterProcess, open_page: Any, artifacts: Path,
                                                     scheme: str, width: int, height: int) -> None:
    page, console = open_page(f"{recording.url}/?debug=1&refresh={REFRESH_S}", width=width, height=height,
                              scheme=scheme)
    expect(page.locator("#charts")).to_have_attribute("data-prefilled", re.compile(r"^\d+$"))
    wait_for_data(page, 2)
    cpu = page.locator("#chart-cpu")
    cpu.scroll_into_view_if_needed()
    full = (float(cpu.get_attribute("data-x-min") or 0), float(cpu.get_attribute("data-x-max") or 0))
    box = cpu.locator(".u-over").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=5)
    page.mouse.up()
    expect(page.locator("#zoom-bar")).to_be_visible()
    expect(page.locator("#zoom-bar")).to_contain_text("paused while zoomed")
    zoomed = (float(cpu.get_attribute("data-x-min") or 0), float(cpu.get_attribute("data-x-max") or 0))
    assert full[0] < zoomed[0] < zoomed[1] < full[1]
    # Every chart shows the same span.
    spans = page.eval_on_selector_all("#charts figure[data-x-min]",
                                      "fs => fs.map(f => [f.dataset.xMin, f.dataset.xMax])")
    assert len(spans) >= 3 and all(s == spans[0] for s in spans), spans
    # Paused while zoomed: new /data (the tiles move on) but the charts keep their points.
    points = cpu.get_attribute("data-points")
    responses = page.evaluate("() => window.sysmonDebug.responses")
    wait_for_data(page, responses + 2)
    assert cpu.get_attribute("data-points") == points
    shot(page, artifacts, "charts-zoomed", scheme, width)
    # Pan back by half the span, with the button and with the key.
    page.click("#pan-back")
    width_s = zoomed[1] - zoomed[0]
    panned = float(cpu.get_attribute("data-x-min") or 0)
    assert abs(panned - (zoomed[0] - width_s / 2)) < 0.01 * width_s
    page.keyboard.press("ArrowRight")
    assert abs(float(cpu.get_attribute("data-x-min") or 0) - zoomed[0]) < 0.01 * width_s
    # Reset: Escape (or the button, or a double-click) and the live view moves again.
    page.keyboard.press("Escape")
    expect(page.locator("#zoom-bar")).to_be_hidden()
    page.wait_for_function("n => Number(document.querySelector('#chart-cpu').dataset.points) > n", arg=int(points or 0))
    assert float(cpu.get_attribute("data-x-max") or 0) > zoomed[1]
    assert console.unexpected_errors() == []


def drag(page: Any, fig: Any, start: float, end: float, shift: bool = False) -> None:
    """Press at `start` and release at `end` (fractions of the plot's width), half-way down.
    Measured each time: the zoom bar that a zoom shows moves the charts down."""
    box = fig.locator(".u-over").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    if shift:
        page.keyboard.down("Shift")
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end, y, steps=5)
    page.mouse.up()
    if shift:
        page.keyboard.up("Shift")


def test_dragging_a_zoomed_chart_pans_every_chart(recording: ExporterProcess, open_page: Any) -> None:
    page, console = open_page(f"{recording.url}/?debug=1&refresh={REFRESH_S}")
    expect(page.locator("#charts")).to_have_attribute("data-prefilled", re.compile(r"^\d+$"))
    wait_for_data(page, 2)
    cpu = page.locator("#chart-cpu")
    cpu.scroll_into_view_if_needed()

    def span() -> tuple[float, float]:
        return float(cpu.get_attribute("data-x-min") or 0), float(cpu.get_attribute("data-x-max") or 0)

    drag(page, cpu, 0.3, 0.6)  # not zoomed: a drag selects
    expect(page.locator("#zoom-bar")).to_be_visible()
    zoomed = span()
    width_s = zoomed[1] - zoomed[0]
    # Dragged right by a quarter of the plot: the span moves back in time by a quarter of its width,
    # keeps its width, and every chart follows.
    drag(page, cpu, 0.5, 0.75)
    page.wait_for_function("x => Number(document.querySelector('#chart-cpu').dataset.xMin) < x", arg=zoomed[0])
    panned = span()
    assert abs(panned[0] - (zoomed[0] - width_s / 4)) < 0.03 * width_s, (zoomed, panned)
    assert abs((panned[1] - panned[0]) - width_s) < 0.001 * width_s
    spans = page.eval_on_selector_all("#charts figure[data-x-min]",
                                      "fs => fs.map(f => [f.dataset.xMin, f.dataset.xMax])")
    assert len(spans) >= 3 and all(s == spans[0] for s in spans), spans
    expect(page.locator("#zoom-bar")).to_be_visible()
    # Shift+drag on the zoomed chart selects again: a narrower span inside the panned one.
    drag(page, cpu, 0.4, 0.6, shift=True)
    page.wait_for_function("w => { const f = document.querySelector('#chart-cpu').dataset;"
                           " return Number(f.xMax) - Number(f.xMin) < w / 2 }", arg=width_s)
    narrowed = span()
    assert panned[0] < narrowed[0] < narrowed[1] < panned[1]
    assert console.unexpected_errors() == []
