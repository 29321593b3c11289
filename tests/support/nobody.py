"""Running the exporter as uid/gid 65534 (nobody), wherever the checkout lives.

A child starts as root (so it can run the venv's interpreter and import from the
checkout, which may be a root user's clone under /root or any 0700 folder), imports
what it needs, then drops privileges for good. What it reads after the drop (templates,
static files, modules imported lazily) must be readable by nobody too, so the child runs
the package from a world-readable copy: `nobody_env()` puts that copy first on its path.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tests.support.servers import REPO

NOBODY = 65534

# The lines a `python -c` child runs, after its imports, to become nobody.
DROP = "import os; os.setgroups([]); os.setgid(65534); os.setuid(65534)"


def drop() -> None:
    """Become nobody for good (setgroups, setgid, setuid: in that order, or it cannot be done)."""
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)
    assert os.getuid() == NOBODY and os.geteuid() == NOBODY


@functools.cache
def world_readable_package() -> Path:
    """A copy of the `exporter` package that nobody may read, made once per test session."""
    base = Path(tempfile.mkdtemp(prefix="sysmon-pkg-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    shutil.copytree(REPO / "exporter", base / "exporter", ignore=shutil.ignore_patterns("__pycache__"))
    base.chmod(0o755)  # mkdtemp makes it 0700
    for d, dirs, files in os.walk(base):
        for name in dirs:
            os.chmod(os.path.join(d, name), 0o755)
        for name in files:
            os.chmod(os.path.join(d, name), 0o644)
    return base


def as_nobody(*args: str) -> list[str]:
    """The command line of tests/faults/as_nobody.py: `python -m exporter ARGS` or `--snapshot`, as nobody."""
    return [sys.executable, str(REPO / "tests" / "faults" / "as_nobody.py"), *args]


def nobody_env() -> dict[str, str]:
    """The environment of a child that drops to nobody: the package from the world-readable
    copy, the checkout (for tests.support, imported before the drop) after it."""
    path = [str(world_readable_package()), str(REPO), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p)}
