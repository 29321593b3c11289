"""The network tile in real Chromium: hidden (and down) interfaces only when asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.pagekit import REFRESH_S, expect, wait_for_data
from tests.support.servers import ExporterProcess

pytestmark = pytest.mark.browser


def test_hidden_interfaces_are_hidden_until_toggled(tmp_path: Path, open_page: Any) -> None:
    """`lo` (on every Linux host) is hidden by configuration; the toggle and the h key show it."""
    proc = ExporterProcess(tmp_path, {"network": {"page_hide": "^lo$"}})
    proc.start()
    try:
        page, console = open_page(f"{proc.url}/?debug=1&refresh={REFRESH_S}")
        wait_for_data(page, ticks=2)
        expect(page.locator("#hidden-ifaces")).to_contain_text("lo")
        assert page.locator("#net-list [data-iface='lo']").count() == 0
        assert "lo rx" not in page.locator("#chart-net").inner_text()
        page.check("#show-hidden-ifaces")
        expect(page.locator("#net-list [data-iface='lo']")).to_be_visible()
        expect(page.locator("#chart-net")).to_contain_text("lo rx")
        page.keyboard.press("h")
        expect(page.locator("#show-hidden-ifaces")).not_to_be_checked()
        expect(page.locator("#net-list [data-iface='lo']")).to_have_count(0)
        # The choice survives a reload.
        page.keyboard.press("h")
        page.reload()
        expect(page.locator("#show-hidden-ifaces")).to_be_checked()
        expect(page.locator("#net-list [data-iface='lo']")).to_be_visible()
        assert console.unexpected_errors() == []
    finally:
        proc.stop()
