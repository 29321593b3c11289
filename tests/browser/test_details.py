"""The detail views in real Chromium: CPU by mode and per core, disks, pressure, services."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pagekit import LOOK_IDS, LOOKS, REFRESH_S, expect, shot, wait_for_data
from tests.support.servers import REPO, ExporterProcess

pytestmark = pytest.mark.browser

FIXTURE_ROOT = REPO / "tests" / "fixtures" / "root"
PSI = "some avg10=0.00 avg60=0.00 avg300=0.00 total={}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"


@pytest.mark.parametrize("scheme,width,height", LOOKS, ids=LOOK_IDS)
def test_cpu_by_mode_and_the_per_core_strip(server: ExporterProcess, open_page: Any, artifacts: Path,
                                            scheme: str, width: int, height: int) -> None:
    page, console = open_page(f"{server.url}/?debug=1&refresh={REFRESH_S}", width=width, height=height,
                              scheme=scheme)
    wait_for_data(page, 3)
    data = json.loads(server.get("/data")[1])
    cores = page.locator("#cpu-cores .core")
    expect(cores).to_have_count(data["cpu"]["count"])
    assert cores.first.get_attribute("title").startswith("core 0: ")
    # The strip wraps inside the tile: its right edge never passes the tile's.
    inside = page.evaluate("""() => {
        const tile = document.querySelector('#tile-cpu').getBoundingClientRect();
        const cells = [...document.querySelectorAll('#cpu-cores .core')];
        return cells.every(c => c.getBoundingClientRect().right <= tile.right);
    }""")
    assert inside
    expect(page.locator("#cpu-modes")).to_have_text(re.compile(r"^user \d+(\.\d)? %( · [a-z]+ \d+(\.\d)? %)+$"))
    expect(page.locator("#cpu-modes")).to_contain_text("system")
    modes = page.locator("#chart-cpu-modes")
    expect(modes.locator(".u-legend")).to_contain_text("user")
    expect(modes.locator(".u-legend")).to_contain_text("iowait")
    page.mouse.move(1, 1)
    user = modes.locator(".u-legend .u-series", has_text="user").locator(".u-value")
    expect(user).to_have_text(re.compile(r"^\d+\.\d %$"))
    shot(page, artifacts, "cpu-modes", scheme, width)
    # The services table follows /data: shown with the cgroup collector on cgroup v2, else hidden.
    if data["services"] is None:
        expect(page.locator("#services")).to_be_hidden()
    else:
        expect(page.locator("#services-body tr")).to_have_count(len(data["services"]["top"]))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert console.unexpected_errors() == []


def fixture_root(tmp_path: Path, psi: bool) -> Path:
    """The fixture tree, plus /proc/pressure and one hwmon chip (hot) when `psi`."""
    root = tmp_path / "root"
    shutil.copytree(FIXTURE_ROOT, root, symlinks=True)
    if psi:
        (root / "proc" / "pressure").mkdir()
        for i, resource in enumerate(("cpu", "memory", "io")):
            (root / "proc" / "pressure" / resource).write_text(PSI.format(1000 * (i + 1)))
        chip = root / "sys" / "class" / "hwmon" / "hwmon7"
        chip.mkdir(parents=True, exist_ok=True)
        for name, text in (("name", "coretemp"), ("temp1_input", "85000"), ("temp1_label", "Package id 0"),
                           ("temp1_max", "80000"), ("temp1_crit", "100000"), ("temp2_input", "41000")):
            (chip / name).write_text(text + "\n")
    return root


@pytest.mark.parametrize("psi", [True, False], ids=["with-psi", "without-psi"])
def test_disks_table_selector_pressure_and_temperature_tiles(tmp_path: Path, open_page: Any, artifacts: Path,
                                                             psi: bool) -> None:
    """A fixture /proc (root_prefix): its disks in the table and the selector; the pressure and
    temperature tiles only where /proc/pressure and /sys/class/hwmon exist."""
    proc = ExporterProcess(tmp_path, {"root_prefix": str(fixture_root(tmp_path, psi))})
    proc.start()
    try:
        page, console = open_page(f"{proc.url}/?debug=1&refresh={REFRESH_S}")
        wait_for_data(page, 3)
        data = json.loads(proc.get("/data")[1])
        devices = [k["device"] for k in data["disks"]]
        assert devices, "the fixture has disks"
        rows = page.locator("#disks-body tr[data-disk]")
        expect(rows).to_have_count(len(devices))
        expect(rows.first.locator("td").nth(3)).to_have_text(re.compile(r"^\d+ / \d+$"))
        expect(rows.first.locator("td").nth(4)).to_have_text(re.compile(r"^\d+ %$"))
        expect(page.locator("#disk-select option")).to_have_count(len(devices) + 1)
        page.select_option("#disk-select", devices[-1])
        legend = page.locator("#chart-disk .u-legend")
        expect(legend).to_contain_text(f"{devices[-1]} read")
        for other in devices[:-1]:
            expect(legend).not_to_contain_text(f"{other} read")
        expect(page.locator(f"#disks-body tr[data-disk='{devices[-1]}']")).to_have_class(re.compile("is-selected"))
        temps = page.locator("#tile-temps")
        if psi:
            expect(temps).to_be_visible()
            hot = temps.locator(".kv-row").first
            expect(hot).to_contain_text("Package id 0")
            expect(hot).to_contain_text("85 °C")
            expect(hot).to_have_attribute("data-level", "warn")  # above the chip's 80 °C high level
            expect(temps.locator(".kv-row")).to_have_count(2)
        else:
            expect(temps).to_be_hidden()
        tile = page.locator("#tile-pressure")
        if psi:
            expect(tile).to_be_visible()
            expect(tile.locator(".kv-row", has_text="CPU")).to_contain_text("some 0.0 %")
            expect(tile.locator(".kv-row", has_text="I/O")).to_contain_text("full 0.0 %")
            shot(page, artifacts, "disks-pressure", "light", 1280)
        else:
            expect(tile).to_be_hidden()
        assert console.unexpected_errors() == []
    finally:
        proc.stop()
