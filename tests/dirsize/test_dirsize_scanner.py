from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import tracemalloc
from pathlib import Path

import pytest

from exporter.dirsize.scanner import PROGRESS_EVERY, Progress, TopN, scan
from tests.support.dirsize import du_dirs, make_tree
from tests.support.nobody import DROP, nobody_env


@pytest.mark.integration
def test_every_directory_size_matches_du(du_tree: Path) -> None:
    ours: dict[str, int] = {}
    result = scan(du_tree, top_n=5, on_directory=lambda p, s: ours.__setitem__(p, s))
    theirs = du_dirs(du_tree)
    assert result.status == "ok", result.message
    assert ours == theirs
    assert result.total_bytes == theirs[str(du_tree)]
    # the tree has what the rules are about
    assert (du_tree / "a" / "sparse.img").stat().st_size > 10 * ours[str(du_tree / "a")]


@pytest.mark.integration
def test_largest_files_and_directories_match_du_all(du_tree: Path) -> None:
    result = scan(du_tree, top_n=100)
    every = du_dirs(du_tree, "-a")
    dirs = du_dirs(du_tree)
    files = {p: s for p, s in every.items() if p not in dirs}
    assert {e.path: e.size for e in result.files} == files  # under 100 entries: all of them
    assert {e.path: e.size for e in result.directories} == {p: s for p, s in dirs.items() if p != str(du_tree)}
    # a hard-linked file appears once, under the name du met first
    linked = [e for e in result.files if e.path.endswith(("linked.bin", "linked-again.bin", "linked-elsewhere.bin"))]
    assert len(linked) == 1
    # largest first
    sizes = [e.size for e in result.files]
    assert sizes == sorted(sizes, reverse=True)


def test_top_n_keeps_only_the_largest(du_tree: Path) -> None:
    full = scan(du_tree, top_n=100)
    top3 = scan(du_tree, top_n=3)
    assert [e.size for e in top3.files] == [e.size for e in full.files[:3]]
    assert [e.size for e in top3.directories] == [e.size for e in full.directories[:3]]
    assert top3.total_bytes == full.total_bytes


def test_symlinks_are_not_followed_and_loops_terminate(du_tree: Path) -> None:
    result = scan(du_tree, top_n=100)
    paths = {e.path for e in result.files} | {e.path for e in result.directories}
    assert not any("/usr/" in p or "/up/" in p or "link-to-a/" in p for p in paths)
    assert str(du_tree / "loop1") in paths  # counted as itself
    assert result.error_count == 0


def test_topn_heap_is_bounded() -> None:
    top = TopN(5)
    for i in range(100_000):
        top.push(i % 7919, f"p{i}")
    assert len(top.heap) == 5
    assert [e.size for e in top.largest()] == [7918] * 5


def test_cancel_stops_the_walk(tmp_path: Path) -> None:
    for i in range(3 * PROGRESS_EVERY):
        (tmp_path / f"f{i}").touch()
    cancel = threading.Event()
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        cancel.set()

    result = scan(tmp_path, cancel=cancel, on_progress=progress)
    assert result.status == "cancelled"
    assert result.entries < 3 * PROGRESS_EVERY
    assert len(seen) == 1


def test_time_limit_with_injected_clock(du_tree: Path) -> None:
    ticks = iter(range(1000))
    result = scan(du_tree, time_limit=5, monotonic=lambda: float(next(ticks) * 10))
    assert result.status == "timeout"
    assert "time limit" in result.message


def test_progress_reports_entries_and_bytes(tmp_path: Path) -> None:
    for i in range(2 * PROGRESS_EVERY + 10):
        (tmp_path / f"f{i}").write_bytes(b"x")
    seen: list[Progress] = []
    result = scan(tmp_path, on_progress=seen.append)
    assert [p.entries for p in seen][:2] == [PROGRESS_EVERY, 2 * PROGRESS_EVERY]
    assert 0 < seen[0].bytes <= seen[1].bytes <= result.total_bytes
    assert seen[-1].entries == result.entries == 2 * PROGRESS_EVERY + 10
    assert seen[-1].bytes == result.total_bytes


def test_not_a_directory_is_an_error_result(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    assert scan(f).status == "error"
    assert scan(tmp_path / "missing").status == "error"


_AS_NOBODY = r"""
import json, os, subprocess, sys
from exporter.dirsize.scanner import scan  # imported first: the venv may not be readable by nobody
DROP
sizes = {}
r = scan(sys.argv[1], top_n=50, on_directory=lambda p, s: sizes.__setitem__(p, s))
du = subprocess.run(["du", "-x", "-B1", "-0", sys.argv[1]], capture_output=True)
theirs = {}
for line in du.stdout.split(b"\0"):
    if line:
        s, _, p = line.partition(b"\t"); theirs[os.fsdecode(p)] = int(s)
print(json.dumps({"status": r.status, "errors": r.error_count, "examples": r.error_examples, "ours": sizes,
                  "theirs": theirs, "du_rc": du.returncode, "du_err_lines": du.stderr.decode().count("\n")}))
"""


@pytest.mark.integration
def test_unreadable_directories_are_counted_not_fatal() -> None:
    """Root reads everything, so the scan runs in a child that dropped to uid 65534 (nobody)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to drop privileges to nobody in a child process")
    base = Path(tempfile.mkdtemp(prefix="sysmon-unreadable-", dir="/tmp"))
    try:
        base.chmod(0o755)
        tree = make_tree(base / "tree")
        for d, _dirs, _files in os.walk(tree):
            os.chmod(d, 0o755)
        (tree / "a" / "b").chmod(0o000)  # cannot be opened
        (tree / "wide").chmod(0o644)  # can be listed, entries cannot be stat'ed
        out = subprocess.run([sys.executable, "-c", _AS_NOBODY.replace("DROP", DROP), str(tree)],
                             capture_output=True, text=True, env=nobody_env(), timeout=60, cwd="/")
        assert out.returncode == 0, out.stderr
        got = json.loads(out.stdout)
    finally:
        for d, _dirs, _files in os.walk(base):
            os.chmod(d, 0o755)
        (base / "tree" / "a" / "b").chmod(0o755)
        (base / "tree" / "wide").chmod(0o755)
        import shutil

        shutil.rmtree(base)
    assert got["status"] == "ok"
    assert got["du_rc"] == 1  # du reports the same problems
    assert got["errors"] == got["du_err_lines"] > 1
    assert any(e.endswith(": Permission denied") for e in got["examples"]), got["examples"]
    assert got["ours"] == got["theirs"]


def _peak_scan_memory(directory: Path) -> int:
    tracemalloc.start()
    try:
        result = scan(directory, top_n=20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.status == "ok"
    return peak


@pytest.mark.slow
def test_memory_does_not_grow_with_the_number_of_files(tmp_path: Path) -> None:
    small, huge = tmp_path / "small", tmp_path / "huge"
    for d, n in ((small, 2_000), (huge, 50_000)):
        d.mkdir()
        for i in range(n):
            fd = os.open(d / f"file-with-a-longish-name-{i:06d}", os.O_CREAT | os.O_WRONLY, 0o644)
            if i % 10 == 0:
                os.write(fd, b"x" * (i % 50_000))
            os.close(fd)
    peak_small = _peak_scan_memory(small)
    peak_huge = _peak_scan_memory(huge)
    # 25x the entries; storing them would need several MB. The walk keeps only the heaps.
    assert peak_huge < peak_small + 64 * 1024, (peak_small, peak_huge)
    assert peak_huge < 256 * 1024


@pytest.mark.integration
def test_one_filesystem_like_du_x(tmp_path: Path) -> None:
    """A filesystem mounted inside the tree (a real tmpfs) is not entered, as with `du -x`."""
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "a.bin").write_bytes(b"a" * 50_000)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True, check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {r.stderr.decode().strip()}")
    try:
        (mnt / "other-fs.bin").write_bytes(b"m" * 2_000_000)
        ours: dict[str, int] = {}
        result = scan(tmp_path, top_n=10, on_directory=lambda p, s: ours.__setitem__(p, s))
        du = du_dirs(tmp_path)
        assert result.total_bytes == du[str(tmp_path)]
        assert result.total_bytes < 1_000_000  # the 2 MB on the tmpfs is not counted
        assert not any("other-fs" in f.path for f in result.files)
        assert {p: s for p, s in ours.items() if p in du} == du
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
