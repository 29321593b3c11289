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
    (root / "big" / "inner").mkdir(parents=True)
    (root / "big" / "blob.bin").write_bytes(b"x" * 300_000)
    (root / "big" / "inner" / "deep.bin").write_bytes(b"w" * 20_000)
    (root / "small").mkdir()
    (root / "small" / "note.txt").write_bytes(b"y" * 5_000)


@pytest.mark.parametrize("scheme,width,height", [("light", 1440, 900), ("dark", 390, 844)],
                         ids=["light-wide", "dark-phone"])
def test_section_shows_largest_entries_rescans_drills_down_and_refuses_outside_paths(
    tmp_path: Path, open_page: Any, artifacts: Path, scheme: str, width: int, height: int
) -> None:
    root = tmp_path / "scanroot"
    make_tree(root)
    # rescan_min_interval 0s: the test rescans right after the first scan (the limit is tested in tests/security)
    exp = ExporterProcess(tmp_path, {"dirsize": {"roots": [str(root)], "rescan_min_interval": "0s"}})
    exp.start()
    try:
        page, console = open_page(f"{exp.url}/?paused=1", width=width, height=height, scheme=scheme)
        section = page.locator("#dirsize")
        expect(page.locator("#du-root option")).to_have_count(1)
        expect(page.locator("#du-root")).to_have_value(str(root))
        # The scan finishes in the background; the tables fill, largest first, with bars,
        # paths relative to the shown directory (the full path is the row's tooltip).
        dirs = page.locator("#du-dirs tr.du-row")
        expect(dirs.first.locator(".du-path-text")).to_have_text("big")
        expect(dirs.first.locator(".du-path-cell")).to_have_attribute("title", str(root / "big"))
        files = page.locator("#du-files tr.du-row")
        expect(files.first).to_contain_text("big/blob.bin")
        expect(files.first.locator(".du-size")).to_contain_text("KiB")
        assert files.count() == 3
        widths = [float(w.rstrip("%")) for w in files.locator(".du-bar-fill").evaluate_all(
            "els => els.map(e => e.style.width)")]
        assert widths[0] == 100.0 and 0 < widths[2] < 5  # proportional: 5 KB next to 300 KB
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        section.screenshot(path=str(artifacts / f"dirsize-{scheme}-{width}.png"))

        # A new file, then Rescan: the table shows it; the progress never claims another scan runs.
        (root / "small" / "huge.bin").write_bytes(b"z" * 600_000)
        page.locator("#du-rescan").click()
        expect(files.first).to_contain_text("small/huge.bin")
        assert "another scan" not in page.locator("#du-progress-text").inner_text()

        # A click on a directory row shows that directory.
        page.locator("#du-dirs tr.du-row", has_text="big").first.click()
        expect(page.locator("#du-path")).to_have_value(str(root / "big"))
        expect(files.first.locator(".du-path-text")).to_have_text("blob.bin")
        expect(dirs.first.locator(".du-path-text")).to_have_text("inner")

        # A path outside the roots is refused by the server, the page says so and clears the tables.
        page.fill("#du-path", "/etc")
        page.locator("button.du-show").click()
        expect(page.locator("#du-message")).to_contain_text("outside")
        expect(page.locator("#du-files tr.du-row")).to_have_count(0)
        expect(page.locator("#du-dirs tr.du-row")).to_have_count(0)
        expect(page.locator("#du-summary")).to_have_text("")
        errors = [e for e in console.unexpected_errors() if "403" not in e]
        assert errors == []  # the refused request's 403 is the only console error
    finally:
        exp.stop()
