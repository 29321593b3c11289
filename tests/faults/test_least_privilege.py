"""The whole exporter as nobody (uid 65534) next to one as root: what a non-root exporter misses.

docs/security.md quotes what this finds: on a host without hidepid, nothing in /data or
/metrics is lost; under a scan root, directories nobody may read are counted as errors
and left out of the sizes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.faults import metric_value
from tests.support.nobody import as_nobody, nobody_env
from tests.support.servers import ExporterProcess, free_port, http_get, wait_until

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to compare root with nobody"),
]


@pytest.fixture
def world_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sysmon-lp-") as tmp:  # pytest's tmp_path is 0700
        os.chmod(tmp, 0o755)
        yield Path(tmp)


def start_as_nobody(workdir: Path, config: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    cfg = workdir / "nobody.yml"
    cfg.write_text(config)
    cfg.chmod(0o644)
    port = free_port()
    log = workdir / "nobody.log"
    with open(log, "wb") as out:
        args = as_nobody("serve", "--no-history", "--listen", f"127.0.0.1:{port}", "--config", str(cfg))
        proc = subprocess.Popen(args, env=nobody_env(), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_get(url + "/healthz", timeout=1)[0] == 200, 20, what=f"exporter as nobody ({log})")
    return proc, url, log


def data(url: str) -> dict[str, Any]:
    status, body, _ = http_get(url + "/data")
    assert status == 200
    return json.loads(body)


def test_nobody_sees_what_root_sees(exporter_proc: Any, world_dir: Path) -> None:
    tree = world_dir / "scan"
    (tree / "public").mkdir(parents=True)
    (tree / "public" / "f").write_bytes(b"p" * 10_000)
    (tree / "private").mkdir(mode=0o700)
    (tree / "private" / "f").write_bytes(b"s" * 50_000)
    os.chmod(tree, 0o755)
    os.chmod(tree / "public", 0o755)
    config = f"dirsize:\n  roots: ['{tree}']\n"
    root_exp: ExporterProcess = exporter_proc({"dirsize": {"roots": [str(tree)]}})
    proc, url, log = start_as_nobody(world_dir, config)
    try:
        as_root, as_nobody = data(root_exp.url), data(url)
        # Whatever root collects, nobody collects too (a collector this host cannot feed fails for both).
        root_ok = {c["name"] for c in as_root["collectors"] if c["success"]}
        nobody_failed = {c["name"]: c["error"] for c in as_nobody["collectors"] if not c["success"]}
        assert root_ok and not root_ok & set(nobody_failed), nobody_failed
        assert as_nobody["processes"]["total"] >= 0.8 * as_root["processes"]["total"]
        assert {f["mountpoint"] for f in as_nobody["filesystems"]} == {f["mountpoint"] for f in as_root["filesystems"]}
        assert not [f for f in as_nobody["filesystems"] if f["error"]]
        status, body, _ = http_get(url + "/metrics")
        assert status == 200
        assert metric_value(body.decode(), "node_scrape_collector_success", collector="processes") == 1

        def scanned(u: str) -> dict[str, Any] | None:
            s, b, _ = http_get(f"{u}/disk-usage-details?path={tree}")
            return json.loads(b)["result"] if s == 200 else None

        r_root = wait_until(lambda: scanned(root_exp.url), 15, 0.1, what="root's scan")
        r_nobody = wait_until(lambda: scanned(url), 15, 0.1, what="nobody's scan")
        assert r_root["errors"]["count"] == 0
        assert r_nobody["errors"]["count"] >= 1  # the private directory
        assert r_nobody["total_bytes"] < r_root["total_bytes"]
        print(f"\nscan as root: {r_root['total_bytes']} B, 0 errors; as nobody: {r_nobody['total_bytes']} B, "
              f"{r_nobody['errors']}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert proc.returncode == 0, log.read_text()[-2000:]
