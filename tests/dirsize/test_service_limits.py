"""The scan service under a hostile client: bounded queue, rescan limits, many paths, a swap
between the path check and the scan (issue 16, cases 1, 5 and 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.config import DirSizeConfig, Duration
from exporter.dirsize.scanner import ScanResult, scan
from exporter.dirsize.service import MAX_QUEUED_PER_ROOT, ROOT_RESCAN_BURST, DirSizeService, PathRejected
from tests.support.dirsize import FakeClock, Gate, wait_for


def service(root: Path, clock: FakeClock, gate: Gate | None = None, **cfg: object) -> DirSizeService:
    config = DirSizeConfig(roots=(str(root),), refresh_interval=Duration(600.0), time_limit=Duration(60.0),
                           top_n=20, **cfg)  # type: ignore[arg-type]
    return DirSizeService(config, clock, scan_fn=gate or scan)


def subdirs(root: Path, n: int) -> list[Path]:
    out = []
    for i in range(n):
        d = root / f"sub{i:02d}"
        d.mkdir(exist_ok=True)
        (d / "f").write_bytes(b"x" * 1000)
        out.append(d)
    return out


def test_many_distinct_paths_at_once_are_never_a_key_error(root: Path) -> None:
    """Case 5: more paths than the cache holds, requested while the root scan is parked."""
    gate = Gate()
    svc = service(root, FakeClock(), gate)
    try:
        svc.request(svc.roots[0])
        wait_for(lambda: gate.running == 1)
        answers: list[str | int] = []
        for d in subdirs(root, 30):
            try:
                answers.append(svc.request(d).state)
            except PathRejected as e:
                answers.append(e.status)
        assert answers[:MAX_QUEUED_PER_ROOT] == ["queued"] * MAX_QUEUED_PER_ROOT  # the running root scan is not queued
        assert set(answers[MAX_QUEUED_PER_ROOT:]) == {503}  # the queue is full, said plainly
    finally:
        gate.open.set()
        svc.stop()


def test_a_full_queue_is_503_with_retry_after(root: Path) -> None:
    gate = Gate()
    svc = service(root, FakeClock(), gate)
    try:
        svc.request(svc.roots[0])
        wait_for(lambda: gate.running == 1)
        dirs = subdirs(root, MAX_QUEUED_PER_ROOT + 1)
        for d in dirs[:MAX_QUEUED_PER_ROOT]:
            svc.request(d)
        with pytest.raises(PathRejected) as e:
            svc.request(dirs[-1])
        assert e.value.status == 503 and e.value.retry_after and "queued" in e.value.message
        # asking again for a queued path costs nothing and is not refused
        assert svc.request(dirs[0]).queued
    finally:
        gate.open.set()
        svc.stop()


def test_rescans_are_limited_per_path_and_per_root(root: Path) -> None:
    """Case 11: one client used to force 70 full rescans in 20 s."""
    clock = FakeClock()
    svc = service(root, clock, rescan_min_interval=Duration(10.0))
    try:
        dirs = subdirs(root, ROOT_RESCAN_BURST + 1)
        for d in dirs:
            svc.request(d)
        wait_for(lambda: all((v := svc.view(d)) is not None and v.result is not None for d in dirs))
        with pytest.raises(PathRejected) as e:  # just scanned: too soon for this path
            svc.request(dirs[0], force=True)
        assert e.value.status == 429 and 0 < (e.value.retry_after or 0) <= 10
        clock.now += 10
        for d in dirs[:ROOT_RESCAN_BURST]:  # a burst per root is fine
            svc.request(d, force=True)
        with pytest.raises(PathRejected) as e:
            svc.request(dirs[ROOT_RESCAN_BURST], force=True)
        assert e.value.status == 429 and "too many rescans" in e.value.message
        assert 0 < (e.value.retry_after or 0) <= 10
        clock.now += 10  # one more token per interval
        wait_for(lambda: not svc.view(dirs[ROOT_RESCAN_BURST]).queued)  # type: ignore[union-attr]
        svc.request(dirs[ROOT_RESCAN_BURST], force=True)
    finally:
        svc.stop()


def test_a_symlink_swapped_in_after_the_path_check_is_never_followed(tmp_path: Path) -> None:
    """Case 1: POST ROOT/race/inner while the scanner is busy, swap ROOT/race for a symlink to
    a folder outside, let the queued scan run: it must be an error, not the outside files."""
    root = tmp_path / "root"
    (root / "race" / "inner").mkdir(parents=True)
    (root / "race" / "inner" / "mine.bin").write_bytes(b"m" * 1000)
    (root / "many").mkdir()
    for i in range(600):  # so the parked root scan stops in the middle
        (root / "many" / f"f{i}").touch()
    outside = tmp_path / "outside"
    (outside / "inner").mkdir(parents=True)
    (outside / "inner" / "foreign-secret").write_bytes(b"s" * 100_000)
    gate = Gate()
    svc = service(root, FakeClock(), gate)
    try:
        svc.request(svc.roots[0])
        wait_for(lambda: gate.running == 1)
        target = svc.resolve(str(root / "race" / "inner"))  # passes: a real directory inside the root
        assert svc.request(target, force=True).queued
        (root / "race").rename(tmp_path / "race.orig")
        (root / "race").symlink_to(outside)
        gate.open.set()
        view = wait_for(lambda: (v := svc.view(target)) is not None and v.result is not None and v)
        result: ScanResult = view.result
        assert result.status == "error"
        assert "symbolic links are never followed" in result.message
        assert not any("foreign" in e.path for e in result.files + result.directories)
        assert result.total_bytes == 0
        with pytest.raises(PathRejected) as e:  # and a new request for it is refused up front
            svc.resolve(str(root / "race" / "inner"))
        assert e.value.status == 403  # resolves outside now
    finally:
        gate.open.set()
        svc.stop()
