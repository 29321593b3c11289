"""A generated tree with everything du has rules for: hard links, a sparse file, symlinks, nesting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.dirsize import make_root, make_tree


@pytest.fixture
def du_tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "tree")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path)
