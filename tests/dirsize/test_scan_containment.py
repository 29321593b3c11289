"""A scan never leaves its root, whatever is swapped in while it runs (issue 16, cases 1 and 2).

Each test makes a real swap (rename + symlink) on the real filesystem at a precise moment
of a real scan, driven by the scanner's own callbacks, and checks that nothing from the
outside tree appears in the result, and that the swap is reported as an error entry.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporter.dirsize import scanner
from exporter.dirsize.scanner import open_dir, scan

FOREIGN = "foreign-secret"


def outside_tree(base: Path, depth: int = 0) -> Path:
    """A folder outside every root with recognisable names (and the same shape, when deep)."""
    out = base / "outside"
    d = out
    for _ in range(depth):
        d = d / "d"
    d.mkdir(parents=True)
    for i in range(5):
        (d / f"{FOREIGN}-{i}").write_bytes(b"s" * 100_000)
    (out / f"{FOREIGN}-top").write_bytes(b"s" * 100_000)
    return out


def listed(result: scanner.ScanResult) -> list[str]:
    return [e.path for e in result.files] + [e.path for e in result.directories] + list(result.error_examples)


def test_a_subdirectory_swapped_for_a_symlink_is_an_error_entry(tmp_path: Path) -> None:
    """Two siblings: when the first is done, the other becomes a symlink out before it is entered."""
    root = tmp_path / "root"
    for name in ("x", "y"):
        (root / "p" / name).mkdir(parents=True)
        (root / "p" / name / "own.bin").write_bytes(b"o" * 10_000)
    outside = outside_tree(tmp_path)
    swapped: list[str] = []

    def on_directory(path: str, _size: int) -> None:
        if swapped or os.path.dirname(path) != str(root / "p"):
            return
        other = root / "p" / ("y" if path.endswith("/x") else "x")
        other.rename(tmp_path / "parked")
        other.symlink_to(outside)
        swapped.append(str(other))

    result = scan(root, top_n=50, on_directory=on_directory)
    assert swapped, "the hook did not run"
    assert not any(FOREIGN in p for p in listed(result)), listed(result)
    assert result.error_count == 1
    assert result.error_examples[0].startswith(swapped[0] + ": ")
    assert "symbolic links are never followed" in result.error_examples[0]


def test_a_subdirectory_replaced_by_another_directory_is_refused(tmp_path: Path) -> None:
    """Device and inode of the opened directory must be those the parent's listing gave."""
    root = tmp_path / "root"
    for name in ("x", "y"):
        (root / name).mkdir(parents=True)
        (root / name / "own.bin").write_bytes(b"o" * 10_000)
    outside = outside_tree(tmp_path)
    swapped: list[str] = []

    def on_directory(path: str, _size: int) -> None:
        if swapped or os.path.dirname(path) != str(root):
            return
        other = root / ("y" if path.endswith("/x") else "x")
        other.rename(tmp_path / "parked")
        outside.rename(other)  # a real directory now, but not the one that was listed
        swapped.append(str(other))

    result = scan(root, top_n=50, on_directory=on_directory)
    assert swapped
    assert not any(FOREIGN in p for p in listed(result)), listed(result)
    assert result.error_count == 1
    assert "replaced by another directory" in result.error_examples[0]


def test_a_deep_scan_keeps_to_the_original_tree_when_the_top_is_swapped(tmp_path: Path) -> None:
    """Case 2: deeper than the descriptor window, a top-level swap used to send the walk outside."""
    depth = scanner.FD_WINDOW + 60
    root = tmp_path / "root"
    d = root / "top"
    for _ in range(depth):
        d = d / "d"
    d.mkdir(parents=True)
    (d / "deep.bin").write_bytes(b"x" * 50_000)
    (root / "top" / "shallow.bin").write_bytes(b"x" * 50_000)
    outside_tree(tmp_path, depth)
    clean = scan(root, top_n=500)
    assert clean.status == "ok" and clean.error_count == 0
    swapped: list[bool] = []

    def on_directory(path: str, _size: int) -> None:
        if not swapped and path.endswith("/d" * depth):  # the deepest directory: everything above is still open
            (root / "top").rename(root / "top.orig")
            (root / "top").symlink_to(tmp_path / "outside")
            swapped.append(True)

    result = scan(root, top_n=500, on_directory=on_directory)
    assert swapped
    assert not any(FOREIGN in p for p in listed(result)), [p for p in listed(result) if FOREIGN in p][:3]
    assert result.status == "ok" and result.error_count == 0
    assert result.total_bytes == clean.total_bytes  # the renamed tree, counted once, nothing added


def test_a_deep_directory_moved_away_is_not_followed_back_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Below the window, ancestors are reopened as ".." of the child: if the child was moved
    (here: into the outside tree), ".." is a foreign directory and must be refused."""
    monkeypatch.setattr(scanner, "FD_WINDOW", 4)  # a small window: the same code path as 128 levels down
    root = tmp_path / "root"
    chain = [root / "a"]
    for name in "bcdefg":
        chain.append(chain[-1] / name)
    chain[-1].mkdir(parents=True)
    for d in chain:
        (d / "sibling").mkdir()  # still to be walked when the move happens (if listed after the chain)
        (d / "own.bin").write_bytes(b"o" * 4096)
    outside = outside_tree(tmp_path)
    moved: list[bool] = []

    def on_directory(path: str, _size: int) -> None:
        if not moved and path == str(chain[-1]):
            # root/a/b/c/d (4 levels down, its parent's descriptor already closed) now lives
            # outside: on the way back up, ".." of d is the outside folder, not c
            chain[3].rename(outside / "moved-here")
            moved.append(True)

    result = scan(root, top_n=500, on_directory=on_directory)
    assert moved
    assert not any(FOREIGN in p for p in listed(result)), listed(result)
    assert result.error_count >= 1
    assert any("moved during the scan" in e for e in result.error_examples), result.error_examples


def test_the_scanned_path_itself_is_opened_without_following_any_symlink(tmp_path: Path) -> None:
    (tmp_path / "real" / "inner").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    ok = scan(tmp_path / "real" / "inner")
    assert ok.status == "ok"
    for target in (tmp_path / "link", tmp_path / "link" / "inner"):
        r = scan(target)
        assert r.status == "error" and "symbolic links are never followed" in r.message, r.message
    with pytest.raises(OSError):
        open_dir(str(tmp_path / "link" / "inner"))
    with pytest.raises(OSError):
        open_dir(str(tmp_path / "real" / ".." / "real"))


def test_invalid_utf8_names_come_out_as_valid_text(tmp_path: Path) -> None:
    """Case 3's source: a directory named b"\\xff\\xfe-bad" holding 1 MiB."""
    bad = os.fsencode(str(tmp_path)) + b"/\xff\xfe-bad"
    os.mkdir(bad)
    with open(bad + b"/f\xe9", "wb") as f:
        f.write(b"x" * (1 << 20))
    result = scan(tmp_path, top_n=10)
    for p in listed(result) + [result.path]:
        p.encode("utf-8")  # would raise for a lone surrogate
    assert result.directories[0].path == str(tmp_path) + "/\ufffd-bad"
    assert result.files[0].path == str(tmp_path) + "/\ufffd-bad/f\ufffd"
