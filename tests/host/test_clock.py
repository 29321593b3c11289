"""time: system time from the injected clock, zone offset, clocksources."""

from __future__ import annotations

from pathlib import Path

from exporter.host import clock
from tests.support.host_tree import context, samples, write_tree


def test_time_zone_and_clocksources(tmp_path: Path) -> None:
    cs = "sys/devices/system/clocksource/clocksource0"
    root = write_tree(tmp_path, {f"{cs}/available_clocksource": "tsc hpet acpi_pm \n",
                                 f"{cs}/current_clocksource": "tsc\n"})
    got = samples(clock.make(context(root), clock=lambda: 1700000000.5)())
    assert got[("node_time_seconds", ())] == 1700000000.5
    assert [k for k in got if k[0] == "node_time_zone_offset_seconds"][0][1][0][0] == "time_zone"
    assert {k[1] for k in got if k[0] == "node_time_clocksource_available_info"} == {
        (("clocksource", s), ("device", "0")) for s in ("tsc", "hpet", "acpi_pm")}
    assert got[("node_time_clocksource_current_info", (("clocksource", "tsc"), ("device", "0")))] == 1
