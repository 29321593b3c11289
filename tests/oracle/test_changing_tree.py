"""Every collector over several Readings of node_exporter's fixture tree, with files changed in
between: each rendering is byte-identical to prometheus_client's own rendering of the same
families, and shows the new values. The encoder and the collectors keep what did not change
(segments, reused families, kept text: exporter/exposition/encoding.py, host/scalars.py); this
is the check, over real collectors, that what moved is never served from what was kept."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from exporter.runtime import Runtime, build_runtime
from tests.support.node_fixtures import e2e_config, parse

# file under the tree → (a pattern for one number in it, the metric and labels that show it, its value
# from the new number)
CHANGES: dict[str, tuple[str, str | None, tuple[tuple[str, str], ...], Callable[[float], float]]] = {
    "proc/meminfo": (r"(?m)^(MemFree: +)(\d+)", "node_memory_MemFree_bytes", (), lambda n: n * 1024),
    "proc/loadavg": (r"^()(\d+\.\d+)", "node_load1", (), lambda n: n),
    "proc/stat": (r"(?m)^(cpu0 )(\d+)", "node_cpu_seconds_total", (("cpu", "0"), ("mode", "user")),
                  lambda n: n / 100),
    "proc/1/net/dev": (r"(?m)^( +lo: )(\d+)", "node_network_receive_bytes_total", (("device", "lo"),), lambda n: n),
    "proc/vmstat": (r"(?m)^(pgfault )(\d+)", "node_vmstat_pgfault", (), lambda n: n),
    "proc/net/netstat": (r"(?m)^(TcpExt: (?:\d+ ){3})(\d+)", None, (), lambda n: n),
    "proc/net/sockstat": (r"(?m)^(TCP: inuse )(\d+)", "node_sockstat_TCP_inuse", (), lambda n: n),
    "proc/diskstats": (r"(?m)^( +8 +0 sda )(\d+)", "node_disk_reads_completed_total", (("device", "sda"),),
                       lambda n: n),
    # systemd's utime (stime is 98 ticks): its group's counter, through the process reader and the groups
    "proc/1/stat": (r"^(1 \(systemd\) S (?:\S+ ){10})(\d+)", "sysmon_process_group_cpu_seconds_total",
                    (("groupname", "systemd"),), lambda n: (n + 98) / 100),
}


class _Families(Collector):
    def __init__(self, runtime: Runtime) -> None:
        self.families: list[Metric] = list(runtime.exposition.families())

    def collect(self) -> list[Metric]:
        return self.families


def _steady(body: bytes) -> list[bytes]:
    """The lines of a rendering but our own process's process_* (read live at each rendering)."""
    return [line for line in body.splitlines() if not re.match(rb"(# (HELP|TYPE) )?process_", line)]


def _bump(root: Path, rel: str, pattern: str, by: int) -> float:
    """Add `by` to the number `pattern` finds in the file (rewritten in place); the new number."""
    path = root / rel
    text = path.read_text()
    m = re.search(pattern, text)
    assert m, f"{rel}: no match for {pattern}"
    old = m.group(2)
    new = str(float(old) + by) if "." in old else str(int(old) + by)
    path.write_text(text[: m.start(2)] + new + text[m.end(2) :])
    return float(new)


@pytest.fixture()
def tree(fixture_root: Path, tmp_path: Path) -> Path:
    """A copy of the session's fixture tree this test may change."""
    root = tmp_path / "host"
    shutil.copytree(fixture_root, root, symlinks=True)
    return root


def test_every_rendering_is_the_librarys_and_shows_what_changed(tree: Path) -> None:
    runtime = build_runtime(e2e_config(tree, sample_max_age="0s"))
    try:
        for step in range(4):  # step 0 renders the tree as it is; 1 and 3 change it, 2 does not
            expected = {}
            if step in (1, 3):
                for rel, (pattern, name, labels, shown) in CHANGES.items():
                    value = _bump(tree, rel, pattern, 7 * step)
                    if name is not None:
                        expected[(name, labels)] = shown(value)
            runtime.sampler.latest(max_age=0)
            body, _ = runtime.exposition.render(None, False)
            library = generate_latest(_Families(runtime))  # the same Reading, written by the library
            assert _steady(body) == _steady(library), f"step {step}: our rendering differs from the library's"
            samples = parse(body.decode()).samples
            for (name, labels), value in expected.items():
                assert samples[(name, tuple(sorted(labels)))] == pytest.approx(value), (step, name)
    finally:
        runtime.stop()
