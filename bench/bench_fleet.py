"""Fleet figures: series and samples per host, and what VictoriaMetrics stores per sample.

The fleet of tests/stack/test_fleet.py (ten exporters on generated /proc+/sys roots, one on this
machine, one down target; a real Prometheus via file_sd, remote_write into a real VictoriaMetrics,
all on 127.0.0.1), left to run for longer so the store's compression settles. Writes
bench/RESULTS-fleet.md; docs/stack.md quotes it.

    .venv/bin/python bench/bench_fleet.py [--seconds 300] [--scrape 1s]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # a script: the fleet set-up lives in the tests' support package

from tests.support.fleet import Fleet, query, series  # noqa: E402
from tests.support.servers import http_get  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS-fleet.md")
DEFAULT_SCRAPE_INTERVAL = 15.0  # prometheus/prometheus.yml


def per_host(fleet: Fleet) -> dict[str, int]:
    assert fleet.prom is not None
    scraped = series(query(fleet.prom.url, 'scrape_samples_scraped{job="sysmon"}', fleet.at))
    return {dict(k)["instance"]: int(v) for k, v in scraped.items() if dict(k)["instance"] != fleet.down}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=300.0, help="how long Prometheus scrapes (default 300)")
    ap.add_argument("--scrape", default="1s", help="scrape interval of the run (default 1s: more samples per series)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        fleet = Fleet(Path(tmp), hosts=10, external_labels={"site": "bench"}, scrape_interval=args.scrape)
        try:
            started = time.monotonic()
            fleet.start()
            fleet.record(args.seconds)
            assert fleet.vm is not None
            counts = per_host(fleet)
            flushed = fleet.vm.storage()
            merged_status = http_get(fleet.vm.url + "/internal/force_merge?partition_prefix="
                                     + time.strftime("%Y_%m", time.gmtime()))[0]
            time.sleep(5)  # a bench, not a test: let the background merge finish
            merged = fleet.vm.storage()
            wall = time.monotonic() - started
        finally:
            fleet.stop()
    fixture = [counts[i] for i in fleet.instances[:10]]
    real = counts[fleet.instances[10]]
    rows = [
        ("exporters scraped", f"{len(counts)} (10 on generated roots, 1 on this machine) + 1 down target", ""),
        ("series per host, generated roots", f"{min(fixture)}–{max(fixture)}", "scrape_samples_scraped"),
        ("series per host, this machine", f"{real}", "the machine the bench ran on"),
        ("samples/s per host at the default 15 s interval", f"{max(fixture) / DEFAULT_SCRAPE_INTERVAL:.1f} "
         f"(generated) / {real / DEFAULT_SCRAPE_INTERVAL:.1f} (this machine)", "series ÷ 15 s"),
        ("samples stored in VictoriaMetrics", f"{int(merged['rows']):,}", f"{args.seconds:.0f} s at {args.scrape}"),
        ("VictoriaMetrics bytes per sample, data (after flush)",
         f"{flushed['data_bytes'] / flushed['rows']:.2f}", "vm_data_size_bytes{type=~\"storage/.*\"} ÷ vm_rows"),
        ("VictoriaMetrics bytes per sample, data (after force_merge)",
         f"{merged['data_bytes'] / merged['rows']:.2f}", f"force_merge answered {merged_status}"),
        ("VictoriaMetrics bytes per sample, data + index",
         f"{(merged['data_bytes'] + merged['index_bytes']) / merged['rows']:.2f}",
         "index: vm_data_size_bytes{type=~\"indexdb.*\"}"),
    ]
    text = "\n".join([
        "# Fleet benchmark (`bench/bench_fleet.py`)",
        "",
        f"One run of {args.seconds:.0f} s at a {args.scrape} scrape, {wall:.0f} s wall in all. Environment: "
        f"Python {platform.python_version()}, {platform.machine()}, 2 CPUs shared with other work, "
        "Debian's prometheus and victoria-metrics.",
        "",
        "| measurement | result | notes |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in rows),
        "",
        "The generated roots' counters do not move, which flatters compression; this machine's "
        "exporter gives real churn. VictoriaMetrics compresses better the more samples a series has "
        "per block, so a long-running store ends below these figures.",
        "",
    ])
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
