"""The largest-directories section of the page, in real Chromium, against real scans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import ExporterProcess

pytestmark = pytest.mark.browser


def expect(*args: Any, **kw: Any) -> Any:
    from playwright.sync_api import expect as _expect

    return _expect(*args, **kw)


def make_tree(root: Path) -> None:
    (root / "big").mkdir(parents=True)
    (root / "big" / "blob.bin").write_bytes(b"x" * 300_000)
    (root / "small").mkdir()
    (root / "small" / "note.txt").write_bytes(b"y" * 5_000)


def test_section_shows_largest_entries_rescans_and_refuses_outside_paths(
    tmp_path: Path, open_page: Any, artifacts: Path
) -> None:
    root = tmp_path / "scanroot"
    make_tree(root)
    # rescan_min_interval 0s: the test rescans right after the first scan (the limit is tested in tests/security)
    exp = ExporterProcess(tmp_path, {"dirsize": {"roots": [str(root)], "rescan_min_interval": "0s"}})
    exp.start()
    try:
        page, console = open_page(f"{exp.url}/?paused=1")
        section = page.locator("#dirsize")
        expect(page.locator("#du-root option")).to_have_count(1)
        expect(page.locator("#du-root")).to_have_value(str(root))
        # The scan finishes in the background; the tables fill, largest first, with bars.
        dirs = section.locator("tbody").first.locator("tr.du-row")
        expect(dirs.first).to_contain_text(str(root / "big"))
        files = section.locator("tbody").nth(1).locator("tr.du-row")
        expect(files.first).to_contain_text("blob.bin")
        expect(files.first.locator(".du-size")).to_contain_text("KiB")
        assert files.count() == 2
        widths = [float(w.rstrip("%")) for w in files.locator(".du-bar-fill").evaluate_all(
            "els => els.map(e => e.style.width)")]
        assert widths[0] == 100.0 and 0 < widths[1] < 5  # proportional: 5 KB next to 300 KB
        section.screenshot(path=str(artifacts / "dashboard-dirsize.png"))

        # A new file, then Rescan: the table shows it.
        (root / "small" / "huge.bin").write_bytes(b"z" * 600_000)
        page.locator("button.du-rescan").click()
        expect(files.first).to_contain_text("huge.bin")

        # A path outside the roots is refused by the server, and the page says so.
        page.fill("#du-path", "/etc")
        page.locator("button.du-show").click()
        expect(section.locator(".du-message")).to_contain_text("outside")
        errors = [e for e in console.unexpected_errors() if "403" not in e]
        assert errors == []  # the refused request's 403 is the only console error
    finally:
        exp.stop()
