"""Scrape cost side by side: our exporter vs Debian's node_exporter (and process-exporter).

Per scenario (the machine's normal process count, then +N idle processes),
each server gets `--scrapes` sequential scrapes, interleaved round-robin so
all see the same machine state. Reported: median and p99 /metrics latency,
CPU per scrape (from /proc/PID/stat over the run), RSS after the run, bytes
per scrape, and our /data latency. Ours runs with sample_max_age 0 so every
scrape pays a full collection (as Prometheus' 15 s scrapes do in practice).

    python bench/bench_scrape.py [--scrapes 50] [--extra 1000] [--runs 3] [--scaling]

With --runs N the two scenarios are measured N times over (same servers), the tables
of the last run are shown in full, and a summary gives every run's ratios: on a
shared VM one run's ratio moves by ±10 %, so a single figure near 1.0× says little.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

from common import (
    Server,
    cpu_seconds,
    get,
    idle_processes,
    median_ms,
    node_exporter,
    ours,
    p99_ms,
    process_count,
    process_exporter,
    rss_bytes,
)

HERE = Path(__file__).resolve().parent


def measure(servers: list[Server], scrapes: int, path: str = "/metrics") -> dict[str, dict[str, float]]:
    lat: dict[str, list[float]] = {s.name: [] for s in servers}
    size: dict[str, int] = {}
    for s in servers:  # warm-up: caches, first-rate snapshots
        get(s.url + path)
        get(s.url + path)
    cpu0 = {s.name: cpu_seconds(s.pid) for s in servers}
    for _ in range(scrapes):
        for s in servers:
            t = time.perf_counter()
            body = get(s.url + path)
            lat[s.name].append(time.perf_counter() - t)
            size[s.name] = len(body)
    out = {}
    for s in servers:
        out[s.name] = {
            "median_ms": median_ms(lat[s.name]),
            "p99_ms": p99_ms(lat[s.name]),
            "cpu_ms": (cpu_seconds(s.pid) - cpu0[s.name]) / scrapes * 1000,
            "rss_mib": rss_bytes(s.pid) / 2**20,
            "bytes": size[s.name],
        }
    return out


def data_latency(server: Server, calls: int) -> float:
    samples = []
    for _ in range(calls):
        t = time.perf_counter()
        get(server.url + "/data")
        samples.append(time.perf_counter() - t)
    return median_ms(samples)


def table(title: str, nprocs: int, results: dict[str, dict[str, float]], data_ms: float) -> str:
    base = results.get("node_exporter")
    lines = [
        f"#### {title}: {nprocs} processes",
        "",
        "| exporter | median /metrics | p99 | CPU per scrape | RSS | body | latency ratio | CPU ratio | RSS ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        ratios = ["", "", ""]
        if base:
            ratios = [f"{r['median_ms'] / base['median_ms']:.2f}×", f"{r['cpu_ms'] / max(base['cpu_ms'], 1e-9):.2f}×",
                      f"{r['rss_mib'] / base['rss_mib']:.2f}×"]
        lines.append(
            f"| {name} | {r['median_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['cpu_ms']:.2f} ms | "
            f"{r['rss_mib']:.1f} MiB | {r['bytes'] / 1024:.0f} KiB | " + " | ".join(ratios) + " |"
        )
    lines += ["", f"Our `/data` median latency: {data_ms:.2f} ms.", ""]
    return "\n".join(lines)


def summary(runs: list[tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]], extra: int) -> str:
    """Our latency and CPU ratios to node_exporter in every run, both scenarios."""
    lines = [
        f"#### Every run: our ratio to node_exporter ({len(runs)} runs, the tables above are the last)",
        "",
        f"| run | normal: latency | normal: CPU | +{extra}: latency | +{extra}: CPU |",
        "|---:|---:|---:|---:|---:|",
    ]
    for i, pair in enumerate(runs, 1):
        cells = []
        for results in pair:
            ours, base = results["sysmon-exporter"], results.get("node_exporter")
            if base is None:
                cells += ["", ""]
                continue
            cells.append(f"{ours['median_ms'] / base['median_ms']:.2f}× ({ours['median_ms']:.2f} vs "
                         f"{base['median_ms']:.2f} ms)")
            cells.append(f"{ours['cpu_ms'] / max(base['cpu_ms'], 1e-9):.2f}×")
        lines.append(f"| {i} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scrapes", type=int, default=50)
    ap.add_argument("--extra", type=int, default=1000, help="idle processes added for the second scenario")
    ap.add_argument("--runs", type=int, default=3, help="measure both scenarios this many times (default 3)")
    ap.add_argument("--scaling", action="store_true", help="also report our scrape latency at 100/1000/5000")
    ap.add_argument("--output", default=str(HERE / "RESULTS-scrape.md"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg = work / "sysmon.yml"
        cfg.write_text("sample_max_age: 0s\ndirsize: {enabled: false}\n")
        servers: list[Server] = [ours(cfg)]
        for extra in (node_exporter(), process_exporter(work)):
            if extra is not None:
                servers.append(extra)
        report = [
            "### Scrape cost, side by side",
            "",
            f"{platform.node()} · {platform.machine()} · Python {platform.python_version()} · "
            f"{args.scrapes} interleaved sequential scrapes per server per scenario · "
            f"{time.strftime('%Y-%m-%d')}",
            "",
        ]
        opened: list[Server] = []
        try:
            for s in servers:
                opened.append(s.__enter__())
            startup = {s.name: s.startup_seconds for s in opened}
            report.append(
                "Start to first successful scrape: "
                + ", ".join(f"{name} {sec * 1000:.0f} ms" for name, sec in startup.items())
                + ".\n"
            )
            runs: list[tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]] = []
            for run in range(1, args.runs + 1):
                normal = measure(opened, args.scrapes)
                normal_table = table("Normal", process_count(), normal, data_latency(opened[0], args.scrapes))
                with idle_processes(args.extra):
                    crowded = measure(opened, args.scrapes)
                    extra_table = table(f"+{args.extra} idle", process_count(), crowded,
                                        data_latency(opened[0], args.scrapes))
                runs.append((normal, crowded))
                print(f"run {run}/{args.runs}\n{normal_table}\n{extra_table}", flush=True)
            report += [normal_table, extra_table]
            if args.runs > 1:
                report.append(summary(runs, args.extra))
        finally:
            for s in opened:
                s.__exit__(None, None, None)

        if args.scaling:
            rows = ["#### Scaling of our scrape latency", "", "| processes | median /metrics | CPU per scrape |",
                    "|---:|---:|---:|"]
            for n in (100, 1000, 5000):
                extra = max(0, n - process_count())
                with idle_processes(extra), ours(cfg) as srv:
                    r = measure([srv], args.scrapes)[srv.name]
                    rows.append(f"| {process_count()} | {r['median_ms']:.2f} ms | {r['cpu_ms']:.2f} ms |")
                    print(rows[-1], flush=True)
            report.append("\n".join(rows) + "\n")

    Path(args.output).write_text("\n".join(report))
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
