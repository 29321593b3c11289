"""The least privilege docs/security.md recommends, checked: a dedicated unprivileged user
plus CAP_DAC_READ_SEARCH sizes directories it could not read otherwise, without root.

The scan runs in a child as uid 65534 (nobody): once with only CAP_DAC_READ_SEARCH in its
ambient set (setpriv, as systemd's AmbientCapabilities= gives it), once without any
capability; root's own in-process scan is the reference.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from exporter.dirsize.scanner import scan
from tests.support.nobody import DROP, nobody_env

pytestmark = [pytest.mark.faults, pytest.mark.integration]

SCAN = """
import json, sys
from exporter.dirsize.scanner import scan
{drop}
r = scan(sys.argv[1], top_n=10)
print(json.dumps({{"status": r.status, "errors": r.error_count, "total": r.total_bytes,
                  "files": [e.path for e in r.files]}}))
"""


@pytest.fixture
def tree() -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("needs root to make a tree only root can read and to hand out capabilities")
    base = Path(tempfile.mkdtemp(prefix="sysmon-caps-", dir="/tmp"))
    base.chmod(0o755)
    (base / "open").mkdir(mode=0o755)
    (base / "open" / "a.bin").write_bytes(b"a" * 40_000)
    (base / "private").mkdir(mode=0o700)  # another user's home, say
    (base / "private" / "big.bin").write_bytes(b"p" * 200_000)
    try:
        yield base
    finally:
        shutil.rmtree(base)


def run_child(args: list[str]) -> dict[str, object]:
    r = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd="/", env=nobody_env())
    if r.returncode != 0 and "Operation not permitted" in r.stderr:
        pytest.skip(f"this container does not allow ambient capabilities: {r.stderr.strip()}")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_cap_dac_read_search_is_enough_to_size_every_directory(tree: Path) -> None:
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv not installed: sudo apt-get install util-linux")
    reference = scan(tree, top_n=10)
    with_cap = run_child([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                          "--inh-caps=-all,+dac_read_search", "--ambient-caps=-all,+dac_read_search",
                          "--bounding-set=-all,+dac_read_search",
                          sys.executable, "-c", SCAN.format(drop=""), str(tree)])
    without = run_child([sys.executable, "-c", SCAN.format(drop=DROP), str(tree)])
    assert reference.error_count == 0
    assert with_cap == {"status": "ok", "errors": 0, "total": reference.total_bytes,
                        "files": [e.path for e in reference.files]}
    assert without["errors"] == 1 and int(str(without["total"])) < reference.total_bytes - 200_000
    assert str(tree / "private" / "big.bin") not in without["files"]  # type: ignore[operator]
