"""What each collector costs, on this host and on node_exporter's fixture host (µs per collection).

The scrape bench (bench_scrape.py) reports the collectors this machine can feed; on a VM
the hardware ones (hwmon, mdadm, nvme, edac, rapl...) find nothing and cost nothing. This
bench also runs every collector, off-by-default ones included, against node_exporter's
end-to-end fixture tree (../shared/node-exporter-fixtures, unpacked to a scratch folder:
a host with sensors, RAID arrays, NVMe, EDAC, bonding, batteries), so their cost with
data is visible too. The fixture is a regular filesystem, not sysfs/procfs: a read there
is cheaper than the kernel's, so those figures are lower bounds and good for ranking.

    python bench/bench_collectors.py [--calls 200] [--output bench/RESULTS-collectors.md]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exporter.config import Config, config_from_dict  # noqa: E402
from exporter.host.collectors import COLLECTORS, NAMES  # noqa: E402
from exporter.host.context import Collected, CollectorContext  # noqa: E402
from exporter.host.paths import HostPaths  # noqa: E402
from exporter.host.registry import build_collector  # noqa: E402

HERE = Path(__file__).resolve().parent


def series(value: Any) -> int:
    fams = value.families if isinstance(value, Collected) else value if isinstance(value, list) else []
    return sum(len(f.samples) for f in fams)


ROUNDS = 10


def cost(collect: Callable[[], Any], calls: int) -> tuple[float, int] | None:
    """(µs per call, series per call), or None if it cannot run here. The calls are split into
    ROUNDS rounds and the fastest round's mean is kept: on a shared VM the other rounds measure
    the neighbours as much as the collector."""
    try:
        value = collect()
    except OSError:
        return None
    per_round = max(1, calls // ROUNDS)
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(per_round):
            collect()
        best = min(best, (time.perf_counter() - start) / per_round)
    return best * 1e6, series(value)


def measure(config: Config, calls: int) -> dict[str, tuple[float, int] | None]:
    ctx = CollectorContext(HostPaths(config.root_prefix), config)
    out: dict[str, tuple[float, int] | None] = {}
    for spec in COLLECTORS:
        collect = build_collector(spec, ctx)
        try:
            out[spec.name] = cost(collect, calls)
        finally:
            close = getattr(collect, "close", None)
            if close is not None:
                close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--output", default=str(HERE / "RESULTS-collectors.md"))
    args = ap.parse_args()
    host = measure(config_from_dict({"enabled_collectors": [n for n in NAMES]}), args.calls)
    fixture: dict[str, tuple[float, int] | None] = {}
    try:
        from tests.support.node_fixtures import SHARED, build_root, e2e_config
        if (SHARED / "e2e-output.txt").is_file():
            with tempfile.TemporaryDirectory() as tmp:
                fixture = measure(e2e_config(build_root(Path(tmp))), args.calls)
    except ImportError:
        pass

    def cell(v: tuple[float, int] | None) -> str:
        return "not available" if v is None else f"{v[0]:,.0f} µs · {v[1]} series"

    lines = [
        "### Cost of each collector",
        "",
        f"{platform.node()} · {platform.machine()} · Python {platform.python_version()} · "
        f"{args.calls} calls after a warm-up, in {ROUNDS} rounds: the fastest round's mean · "
        f"{time.strftime('%Y-%m-%d %H:%M')}",
        "",
        "Every collector, off-by-default ones included, called directly (no HTTP, no rendering). "
        "\"fixture\": node_exporter's end-to-end fixture host on a regular filesystem (cheaper reads "
        "than the kernel's: a lower bound, for ranking).",
        "",
        "| collector | default | this host | fixture host |",
        "|---|---|---:|---:|",
    ]
    order = sorted(COLLECTORS, key=lambda c: -max((host.get(c.name) or (0, 0))[0],
                                                  (fixture.get(c.name) or (0, 0))[0]))
    for c in order:
        lines.append(f"| {c.name} | {'on' if c.default else 'off'} | {cell(host.get(c.name))} | "
                     f"{cell(fixture.get(c.name)) if fixture else 'fixtures absent'} |")
    text = "\n".join(lines) + "\n"
    Path(args.output).write_text(text)
    print(text)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
