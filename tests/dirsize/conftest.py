"""A generated tree with everything du has rules for: hard links, a sparse file, symlinks, nesting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.dirsize import make_tree


@pytest.fixture
def du_tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "tree")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    make_tree(r)
    (r / "many").mkdir()
    for i in range(600):  # more than PROGRESS_EVERY, so Gate's scans block in the middle
        (r / "many" / f"f{i}").touch()
    (tmp_path / "outside").mkdir()
    (r / "escape").symlink_to(tmp_path / "outside")
    return r
