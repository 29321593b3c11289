from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from exporter.dirsize.families import dirsize_families
from exporter.dirsize.service import DirSizeService
from tests.support.dirsize import FakeClock, Gate, make_service, wait_for


class _Collector:
    def __init__(self, svc: DirSizeService) -> None:
        self.svc = svc

    def collect(self) -> Any:
        return dirsize_families(self.svc)


def registry_for(svc: DirSizeService) -> CollectorRegistry:
    reg = CollectorRegistry()
    reg.register(_Collector(svc))
    return reg


FAMILIES = {
    "sysmon_directory_size_bytes",
    "sysmon_directory_scan_duration_seconds",
    "sysmon_directory_scan_last_success_timestamp_seconds",
    "sysmon_directory_scan_success",
    "sysmon_directory_scan_errors",
    "sysmon_directory_scan_running",
}


def test_families_after_a_scan(root: Path) -> None:
    clock = FakeClock()
    svc = make_service(root, clock)
    try:
        svc.run_due()
        view = wait_for(lambda: (v := svc.view(root)) and v.result and v)
    finally:
        svc.stop()
    families = list(dirsize_families(svc))
    assert {f.name for f in families} == FAMILIES
    assert all(f.documentation for f in families)
    reg = registry_for(svc)
    r = str(root)
    assert reg.get_sample_value("sysmon_directory_size_bytes", {"root": r, "path": r}) == view.result.total_bytes
    top = view.result.directories[0]
    assert reg.get_sample_value("sysmon_directory_size_bytes", {"root": r, "path": top.path}) == top.size
    sizes = [f for f in families if f.name == "sysmon_directory_size_bytes"][0].samples
    assert len(sizes) == 1 + 3  # the root's total + metrics_top_n
    assert reg.get_sample_value("sysmon_directory_scan_success", {"root": r}) == 1
    assert reg.get_sample_value("sysmon_directory_scan_running", {"root": r}) == 0
    assert reg.get_sample_value("sysmon_directory_scan_errors", {"root": r}) == 0
    assert reg.get_sample_value("sysmon_directory_scan_last_success_timestamp_seconds", {"root": r}) == clock.now
    assert b"# HELP sysmon_directory_scan_running" in generate_latest(reg)


def test_before_any_scan_only_running_is_reported(root: Path) -> None:
    svc = make_service(root)
    reg = registry_for(svc)
    assert reg.get_sample_value("sysmon_directory_scan_running", {"root": str(root)}) == 0
    assert reg.get_sample_value("sysmon_directory_scan_success", {"root": str(root)}) is None


def test_scrape_does_not_wait_for_a_running_scan(root: Path) -> None:
    """The scan is parked in the middle of the walk; a scrape still returns at once (no scan lock, no I/O)."""
    gate = Gate()
    svc = make_service(root, scan_fn=gate)
    try:
        svc.request(root)
        wait_for(lambda: (v := svc.view(root)) and v.running and v.progress and v.progress.entries > 0)
        timings = []
        for _ in range(50):
            t0 = time.perf_counter()
            reg = registry_for(svc)
            running = reg.get_sample_value("sysmon_directory_scan_running", {"root": str(root)})
            timings.append(time.perf_counter() - t0)
            assert running == 1
        assert max(timings) < 0.05, max(timings)
        assert gate.running == 1 and not gate.open.is_set()  # the scan really was in progress throughout
        # and scrapes from many threads at once while it runs
        errors: list[BaseException] = []

        def scrape() -> None:
            try:
                list(dirsize_families(svc))
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=scrape) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(2)
        assert not errors and not any(t.is_alive() for t in threads)
    finally:
        gate.open.set()
        svc.stop()
