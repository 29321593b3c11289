"""The top-processes table in real Chromium against a real exporter: size, sort, filter, details."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pagekit import LOOK_IDS, LOOKS, REFRESH_S, expect, shot, wait_for_data
from tests.support.servers import ExporterProcess

pytestmark = pytest.mark.browser


def test_process_table_sorts_by_clicked_column(server: ExporterProcess, open_page: Any) -> None:
    page, _ = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}")
    wait_for_data(page)
    rows = page.locator("#proc-body tr[data-pid]")
    expect(rows.first).to_be_visible()
    assert 1 <= rows.count() <= 25  # processes.table_size, the default

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



def test_table_size_comes_from_the_server(tmp_path: Path, open_page: Any) -> None:
    proc = ExporterProcess(tmp_path, {"processes": {"table_size": 7}})
    proc.start()
    try:
        page, _ = open_page(f"{proc.url}/?debug=1&refresh={REFRESH_S}")
        wait_for_data(page, 2)
        expect(page.locator("#proc-body tr[data-pid]")).to_have_count(7)
        expect(page.locator("#proc-basis")).to_contain_text("(top 7 of ")
    finally:
        proc.stop()


@pytest.mark.parametrize("scheme,width,height", LOOKS, ids=LOOK_IDS)
def test_filter_box_and_row_details(server: ExporterProcess, open_page: Any, artifacts: Path,
                                    scheme: str, width: int, height: int) -> None:
    page, console = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}", width=width, height=height,
                              scheme=scheme)
    wait_for_data(page, 2)
    rows = page.locator("#proc-body tr[data-pid]")
    expect(rows.first).to_be_visible()
    # The command line is on the page (under the name), not only in a tooltip.
    cmdlines = page.eval_on_selector_all("#proc-body .cmdline", "els => els.map(e => e.textContent)")
    assert any(c.startswith("/") for c in cmdlines), cmdlines
    name = rows.first.locator(".pname").inner_text()
    page.fill("#proc-filter", name.upper())
    expect(page.locator("#proc-basis")).to_contain_text(f"matching “{name.upper()}”")
    shown = page.eval_on_selector_all("#proc-body tr[data-pid] td.cmd", "tds => tds.map(td => td.textContent)")
    assert shown and all(name.lower() in s.lower() for s in shown)
    page.fill("#proc-filter", "no-such-process-anywhere")
    expect(page.locator("#proc-body")).to_have_text("No process in the table matches the filter.")
    page.fill("#proc-filter", "")
    # A click on a row opens its details: user, state and threads (the phone hides those columns).
    first = rows.first
    pid = first.get_attribute("data-pid")
    first.click()
    opened = page.locator(f"#proc-body tr[data-pid='{pid}']")
    expect(opened).to_have_attribute("aria-expanded", "true")
    expect(opened.locator(".detail")).to_have_text(re.compile(r"^user \S+ · [a-z-]+ · \d+ threads?$"))
    shot(page, artifacts, "processes", scheme, width)
    opened.click()
    expect(opened).to_have_attribute("aria-expanded", "false")
    assert console.unexpected_errors() == []
