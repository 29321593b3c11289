"""Helpers shared by the dirsize tests: an injectable clock, a scan that can be parked, polling."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from exporter.config import DirSizeConfig, Duration
from exporter.dirsize.scanner import ScanResult, scan
from exporter.dirsize.service import DirSizeService


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def wait_for(cond: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.005)
    raise AssertionError("condition not met before the deadline")


class Gate:
    """A scan_fn that blocks inside the scan (after its first progress report) until opened."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.calls: list[str] = []
        self.running = 0
        self.max_running = 0
        self.lock = threading.Lock()
        self.priorities: list[tuple[int, Any]] = []

    def __call__(self, path: str, **kw: Any) -> ScanResult:
        with self.lock:
            self.calls.append(path)
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        tid = threading.get_native_id()
        self.priorities.append((os.getpriority(os.PRIO_PROCESS, tid), psutil.Process(tid).ionice().ioclass))
        user_progress = kw.pop("on_progress")
        cancel = kw["cancel"]

        def progress(p: Any) -> None:
            user_progress(p)
            while not self.open.is_set() and not cancel.is_set():
                self.open.wait(0.01)

        try:
            return scan(path, on_progress=progress, **kw)
        finally:
            with self.lock:
                self.running -= 1


def make_service(root: Path, clock: Callable[[], float] | None = None, **kw: Any) -> DirSizeService:
    cfg = DirSizeConfig(roots=(str(root),), refresh_interval=Duration(600.0), time_limit=Duration(60.0), top_n=20,
                        metrics_top_n=3)
    svc = DirSizeService(cfg, clock or FakeClock(), **kw)
    return svc


def make_tree(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "a" / "b" / "c").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "wide").mkdir()
    (root / "a" / "big.bin").write_bytes(b"x" * 300_000)
    (root / "a" / "b" / "mid.bin").write_bytes(b"y" * 70_000)
    (root / "a" / "b" / "c" / "small.txt").write_bytes(b"z" * 10)
    (root / "a" / "b" / "c" / "zero").write_bytes(b"")
    for i in range(40):
        (root / "wide" / f"f{i:02d}").write_bytes(b"w" * (i * 1000))
    # hard links: one in the same directory, one elsewhere; counted once
    (root / "a" / "linked.bin").write_bytes(b"h" * 50_000)
    os.link(root / "a" / "linked.bin", root / "a" / "linked-again.bin")
    os.link(root / "a" / "linked.bin", root / "wide" / "linked-elsewhere.bin")
    # sparse: 20 MB apparent size, a few KiB allocated
    with open(root / "a" / "sparse.img", "wb") as f:
        f.truncate(20_000_000)
        f.seek(10_000_000)
        f.write(b"s" * 100)
    # symlinks: to a file, to a directory (not followed), dangling, loops, one out of the tree
    (root / "link-to-big").symlink_to("a/big.bin")
    (root / "link-to-a").symlink_to("a")
    (root / "dangling").symlink_to("does-not-exist")
    (root / "loop1").symlink_to("loop2")
    (root / "loop2").symlink_to("loop1")
    (root / "a" / "b" / "up").symlink_to("../..")
    (root / "out").symlink_to("/usr")
    # odd names
    (root / "we ird\nname").mkdir()
    (root / "we ird\nname" / "f").write_bytes(b"q" * 5000)
    return root


def make_root(base: Path) -> Path:
    """A scan root under `base`: make_tree's entries, 600 empty files (more than PROGRESS_EVERY,
    so Gate's scans block in the middle) and a symlink to a sibling outside the root."""
    r = base / "root"
    make_tree(r)
    (r / "many").mkdir()
    for i in range(600):
        (r / "many" / f"f{i}").touch()
    (base / "outside").mkdir()
    (r / "escape").symlink_to(base / "outside")
    return r


def du_dirs(path: str | Path, *extra: str) -> dict[str, int]:
    """{path: bytes} from `du -x -B1 -0` (every directory; with -a every entry)."""
    if shutil.which("du") is None:
        pytest.skip("du not found (install coreutils)")
    out = subprocess.run(["du", "-x", "-B1", "-0", *extra, "--", str(path)], capture_output=True, check=False).stdout
    sizes = {}
    for line in out.split(b"\0"):
        if line:
            size, _, p = line.partition(b"\t")
            sizes[os.fsdecode(p)] = int(size)
    return sizes
