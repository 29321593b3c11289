from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psutil
import pytest

from exporter.config import DirSizeConfig, Duration
from exporter.dirsize.service import DirSizeService, PathRejected
from tests.support.dirsize import FakeClock, Gate, make_root, make_service, wait_for


@pytest.fixture
def service(root: Path):
    svc = make_service(root)
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One root for the tests that only resolve paths (they change nothing): built once, not per case."""
    return make_root(tmp_path_factory.mktemp("resolve"))


@pytest.fixture(scope="module")
def resolver(shared_root: Path):
    svc = make_service(shared_root)
    yield svc
    svc.stop()


def test_resolve_accepts_paths_inside_a_root(resolver: DirSizeService, shared_root: Path) -> None:
    service, root = resolver, shared_root
    assert service.resolve(str(root)) == root
    assert service.resolve(str(root / "a" / "b")) == root / "a" / "b"
    assert service.resolve(str(root / "a" / ".." / "a")) == root / "a"
    assert service.resolve(str(root / "link-to-a")) == root / "a"  # a symlink inside is fine


@pytest.mark.parametrize(
    ("relative", "status"),
    [
        ("..", 403),
        ("a/../..", 403),
        ("a/b/up/../..", 403),
        ("escape", 403),
        ("out", 403),
        ("a/big.bin", 400),
        ("link-to-big", 400),
        ("missing", 404),
        ("loop1", 400),
        ("a/big.bin/x", 400),
    ],
)
def test_resolve_rejects(resolver: DirSizeService, shared_root: Path, relative: str, status: int) -> None:
    with pytest.raises(PathRejected) as e:
        resolver.resolve(f"{shared_root}/{relative}")
    assert e.value.status == status, e.value.message


@pytest.mark.parametrize(
    ("path", "status"),
    [("", 400), ("relative/path", 400), ("/etc", 403), ("/nonexistent-outside", 403), ("/x\x00y", 400),
     ("/" + "a" * 5000, 400), ("/" + "a/" * 3000, 400)],
)
def test_resolve_rejects_odd_input(resolver: DirSizeService, path: str, status: int) -> None:
    with pytest.raises(PathRejected) as e:
        resolver.resolve(path)
    assert e.value.status == status


def test_first_request_queues_then_cache_serves(service: DirSizeService, root: Path) -> None:
    view = service.request(root)
    assert view.result is None and view.state in ("queued", "scanning")
    done = wait_for(lambda: (v := service.view(root)) and v.result and v)
    assert done.state == "ok" and done.scans == 1
    assert done.result.total_bytes > 0
    # cached: the next request does not scan again
    again = service.request(root)
    assert again.result is done.result and not again.running and not again.queued


def test_stale_cache_is_refreshed_after_the_interval(root: Path) -> None:
    clock = FakeClock()
    svc = make_service(root, clock)
    try:
        assert svc.run_due() == [str(root)]
        wait_for(lambda: svc.view(root).scans == 1)  # type: ignore[union-attr]
        assert svc.run_due() == []
        (root / "new.txt").write_bytes(b"n" * 100)  # a change: the next due rescan runs (test_dirsize_watch)
        clock.now += 599
        assert svc.run_due() == []
        assert svc.request(root).queued is False
        clock.now += 2
        view = svc.request(root)  # stale: served from cache, refreshed in the background
        assert view.result is not None and (view.queued or view.running)
        wait_for(lambda: svc.view(root).scans == 2)  # type: ignore[union-attr]
    finally:
        svc.stop()


def test_concurrent_requests_start_one_scan(root: Path) -> None:
    gate = Gate()
    svc = make_service(root, scan_fn=gate)
    try:
        barrier = threading.Barrier(16)
        views = []

        def hit() -> None:
            barrier.wait()
            views.append(svc.request(root, force=True))

        threads = [threading.Thread(target=hit) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_for(lambda: svc.view(root).running)  # type: ignore[union-attr]
        assert len(views) == 16
        gate.open.set()
        wait_for(lambda: svc.view(root).scans == 1)  # type: ignore[union-attr]
        assert gate.calls == [str(root)]
    finally:
        svc.stop()


def test_one_scan_per_root_at_a_time(root: Path) -> None:
    gate = Gate()
    svc = make_service(root, scan_fn=gate)
    try:
        svc.request(root)
        svc.request(root / "a")
        svc.request(root / "many")
        wait_for(lambda: gate.running == 1)
        assert svc.view(root / "many").queued  # type: ignore[union-attr]
        gate.open.set()
        wait_for(lambda: all(svc.view(p).scans == 1 for p in (root, root / "a", root / "many")))  # type: ignore[union-attr]
        assert gate.max_running == 1
        assert sorted(gate.calls) == sorted([str(root), str(root / "a"), str(root / "many")])
    finally:
        svc.stop()


def test_scans_run_at_lowest_priority_in_their_own_thread(root: Path) -> None:
    gate = Gate()
    gate.open.set()
    svc = make_service(root, scan_fn=gate)
    before = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        svc.request(root)
        wait_for(lambda: svc.view(root).scans == 1)  # type: ignore[union-attr]
    finally:
        svc.stop()
    assert gate.priorities == [(19, psutil.IOPRIO_CLASS_IDLE)]
    assert os.getpriority(os.PRIO_PROCESS, 0) == before  # the process (web threads) keeps its priority


def test_the_heap_is_trimmed_after_each_scan_once_its_result_is_kept(root: Path) -> None:
    gate = Gate()
    gate.open.set()
    svc = make_service(root, scan_fn=gate)
    seen: list[int] = []
    svc.after_scan = lambda: seen.append(svc.view(root).scans)  # type: ignore[union-attr]
    try:
        svc.request(root)
        wait_for(lambda: seen)
        assert seen == [1]
    finally:
        svc.stop()


def test_stop_cancels_a_running_scan_quickly(root: Path) -> None:
    gate = Gate()  # never opened: the scan only ends through cancellation
    svc = make_service(root, scan_fn=gate)
    svc.start()
    wait_for(lambda: svc.view(root).running)  # type: ignore[union-attr]
    t0 = time.monotonic()
    svc.stop()
    assert time.monotonic() - t0 < 2.0
    assert gate.running == 0
    view = svc.view(root)
    assert view is not None and not view.running
    assert view.result is not None and view.result.status == "cancelled"
    assert svc.request(root).queued is False  # nothing starts after stop


def test_cached_paths_are_bounded(root: Path) -> None:
    svc = make_service(root, max_cached_paths=2)
    try:
        subdirs = [root / "a", root / "a" / "b", root / "wide", root / "many", root / "empty"]
        for d in subdirs:
            svc.request(d)
            wait_for(lambda d=d: (v := svc.view(d)) is not None and v.scans == 1)  # type: ignore[misc]
        cached = [d for d in subdirs if svc.view(d) is not None]
        assert cached == subdirs[-2:]
        assert svc.view(root) is not None  # roots are never evicted
    finally:
        svc.stop()


def test_time_limit_gives_a_partial_result(root: Path) -> None:
    ticks = iter(range(10**6))
    cfg = DirSizeConfig(roots=(str(root),), time_limit=Duration(5.0))
    svc = DirSizeService(cfg, FakeClock(), monotonic=lambda: float(next(ticks) * 10))
    try:
        svc.request(root)
        view = wait_for(lambda: (v := svc.view(root)) and v.result and v)
        assert view.result.status == "timeout" and view.last_success is None
    finally:
        svc.stop()


def test_nested_roots_use_the_innermost(root: Path) -> None:
    cfg = DirSizeConfig(roots=(str(root), str(root / "a")))
    svc = DirSizeService(cfg)
    assert svc.root_of(root / "a" / "b") == root / "a"
    assert svc.root_of(root / "wide") == root
    assert svc.root_of(root.parent) is None
