"""Periodic rescans follow changes: a root whose tree reported nothing (inotify) is not walked
again at the refresh interval, only at UNCHANGED_FACTOR intervals; any change of size, entries
or links made after the scan listed a directory brings the rescan back at the interval."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exporter.dirsize.scanner import scan
from exporter.dirsize.service import DirSizeService
from exporter.dirsize.watch import UNCHANGED_FACTOR, TreeWatch
from tests.support.dirsize import FakeClock, Gate, make_service, wait_for

INTERVAL = 600.0  # make_service's refresh_interval


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def scanned(root: Path, clock: FakeClock) -> Iterator[DirSizeService]:
    """A service that has scanned `root` once, its clock at that scan."""
    svc = make_service(root, clock)
    assert svc.run_due() == [str(root)]
    wait_for(lambda: svc.view(root).scans == 1)  # type: ignore[union-attr]
    yield svc
    svc.stop()


def scans(svc: DirSizeService, root: Path) -> int:
    return svc.view(root).scans  # type: ignore[union-attr]


def test_an_unchanged_tree_is_rescanned_only_at_the_unchanged_bound(
    scanned: DirSizeService, root: Path, clock: FakeClock
) -> None:
    first = scanned.view(root)
    clock.now += INTERVAL + 1
    assert scanned.run_due() == [] and scanned.unchanged_skips == 1
    # Known current now (the scan-stale alert reads this), while the result keeps its scan's time.
    view = scanned.view(root)
    assert view.last_success == clock.now and view.result is first.result  # type: ignore[union-attr]
    clock.now += INTERVAL * (UNCHANGED_FACTOR - 1) - 2  # just short of the bound
    assert scanned.run_due() == []
    clock.now += 1
    assert scanned.run_due() == [str(root)]
    wait_for(lambda: scans(scanned, root) == 2)


def _append(root: Path) -> None:
    with open(root / "a" / "b" / "c" / "small.txt", "ab") as f:  # three levels down
        f.write(b"z" * 100_000)


def _truncate(root: Path) -> None:
    os.truncate(root / "a" / "big.bin", 0)


def _remove(root: Path) -> None:
    (root / "wide" / "f39").unlink()


def _rename_out(root: Path) -> None:
    (root / "a" / "b" / "mid.bin").rename(root / "mid.bin")


def _new_directory_with_a_file(root: Path) -> None:
    (root / "many" / "sub").mkdir()
    (root / "many" / "sub" / "data").write_bytes(b"d" * 200_000)


def _hard_link(root: Path) -> None:
    os.link(root / "a" / "big.bin", root / "empty" / "big-again.bin")


@pytest.mark.parametrize(
    "change", [_append, _truncate, _remove, _rename_out, _new_directory_with_a_file, _hard_link],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_change_anywhere_brings_the_rescan_back_at_the_interval(
    scanned: DirSizeService, root: Path, clock: FakeClock, change: Callable[[Path], None]
) -> None:
    before = scanned.view(root).result  # type: ignore[union-attr]
    change(root)
    clock.now += INTERVAL - 1
    assert scanned.run_due() == []  # never sooner than the interval
    clock.now += 2
    assert scanned.run_due() == [str(root)]
    wait_for(lambda: scans(scanned, root) == 2)
    after = scanned.view(root).result  # type: ignore[union-attr]
    assert after is not None and before is not None
    assert after.total_bytes == scan(str(root), top_n=20).total_bytes  # the rescan saw the change


def test_a_change_made_while_the_scan_runs_is_seen(root: Path, clock: FakeClock) -> None:
    gate = Gate()
    svc = make_service(root, clock, scan_fn=gate)
    try:
        svc.run_due()
        wait_for(lambda: svc.view(root).running)  # type: ignore[union-attr]  # parked part-way
        (root / "written-meanwhile").write_bytes(b"m" * 10_000)  # in the root, listed first
        gate.open.set()
        wait_for(lambda: scans(svc, root) == 1)
        clock.now += INTERVAL + 1
        assert svc.run_due() == [str(root)]
    finally:
        gate.open.set()
        svc.stop()


def test_a_tree_too_large_to_watch_is_rescanned_every_interval(root: Path, clock: FakeClock) -> None:
    svc = make_service(root, clock, watch=lambda: TreeWatch(max_watches=2))  # root has more directories
    try:
        svc.run_due()
        wait_for(lambda: scans(svc, root) == 1)
        clock.now += INTERVAL + 1
        assert svc.run_due() == [str(root)] and svc.unchanged_skips == 0
    finally:
        svc.stop()


def test_without_a_watch_every_interval_rescans(root: Path, clock: FakeClock) -> None:
    svc = make_service(root, clock, watch=None)
    try:
        svc.run_due()
        wait_for(lambda: scans(svc, root) == 1)
        clock.now += INTERVAL + 1
        assert svc.run_due() == [str(root)]
    finally:
        svc.stop()


def test_the_scan_itself_reports_no_change_and_watches_every_directory(root: Path) -> None:
    watch = TreeWatch()
    try:
        directories = []
        scan(str(root), on_open=watch.add, on_directory=lambda p, _size: directories.append(p))
        scan(str(root))  # reading the tree again (atime, opens, stats) is not a change
        assert watch.complete and watch.watches == len(directories)
        assert not watch.changed()
        (root / "a" / "b" / "c" / "zero").write_bytes(b"1")
        assert watch.changed() and watch.changed()  # sticky once seen
    finally:
        watch.close()
