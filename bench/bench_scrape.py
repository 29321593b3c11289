"""Scrape cost side by side: our exporter vs Debian's node_exporter (and process-exporter).

Per scenario (the machine's normal process count; +N idle processes placed as a real
host has them, in service cgroups of 20; the same +N all in one cgroup; +M in
service cgroups), each server gets `--scrapes` sequential scrapes, interleaved
round-robin so all see the same machine state. Reported: median and p99 /metrics
latency, CPU per scrape (from /proc/PID/stat over the run), RSS after the run, bytes
per scrape, our /data latency, and what each of our collectors cost per scrape (its
collector_duration_seconds, averaged). Ours runs with sample_max_age 0 so every
scrape pays a full collection (as Prometheus' 15 s scrapes do in practice), and
otherwise the defaults: every default collector, history on (a fresh database),
directory scans on with their default roots (none when run as root, as here).

    python bench/bench_scrape.py [--scrapes 50] [--extra 1000] [--many 5000] [--runs 3] [--scaling]

With --runs N the scenarios are measured N times over (same servers), the tables of
the last run are shown in full, and a summary gives every run's ratios: on a shared
VM one run's ratio moves by ±10 %, so a single figure near 1.0× says little.
--scaling adds the table from 100 to 10,000 processes, ours and node_exporter's.
"""

from __future__ import annotations

import argparse
import platform
import re
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
OURS = "sysmon-exporter"
# Our per-collector timings, under node_exporter's name or (before the rename) our own.
_DURATION = re.compile(rb'^(?:node_scrape|sysmon)_collector_duration_seconds\{collector="([^"]+)"\} (\S+)$', re.M)

Results = dict[str, dict[str, float]]


def measure(servers: list[Server], scrapes: int, path: str = "/metrics") -> tuple[Results, dict[str, float]]:
    """Every server's figures, and our collectors' mean µs per scrape."""
    lat: dict[str, list[float]] = {s.name: [] for s in servers}
    size: dict[str, int] = {}
    collectors: dict[str, float] = {}
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
            if s.name == OURS:
                for name, value in _DURATION.findall(body):
                    key = name.decode()
                    collectors[key] = collectors.get(key, 0.0) + float(value) * 1e6 / scrapes
    out = {}
    for s in servers:
        out[s.name] = {
            "median_ms": median_ms(lat[s.name]),
            "p99_ms": p99_ms(lat[s.name]),
            "cpu_ms": (cpu_seconds(s.pid) - cpu0[s.name]) / scrapes * 1000,
            "rss_mib": rss_bytes(s.pid) / 2**20,
            "bytes": size[s.name],
        }
    return out, collectors


def data_latency(server: Server, calls: int) -> float:
    samples = []
    for _ in range(calls):
        t = time.perf_counter()
        get(server.url + "/data")
        samples.append(time.perf_counter() - t)
    return median_ms(samples)


def ratio(r: dict[str, float], base: dict[str, float] | None, key: str) -> str:
    return f"{r[key] / max(base[key], 1e-9):.2f}×" if base else ""


def table(title: str, nprocs: int, results: Results, data_ms: float) -> str:
    base = results.get("node_exporter")
    lines = [
        f"#### {title}: {nprocs} processes",
        "",
        "| exporter | median /metrics | p99 | CPU per scrape | RSS | body | latency ratio | CPU ratio | RSS ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['median_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['cpu_ms']:.2f} ms | "
            f"{r['rss_mib']:.1f} MiB | {r['bytes'] / 1024:.0f} KiB | {ratio(r, base, 'median_ms')} | "
            f"{ratio(r, base, 'cpu_ms')} | {ratio(r, base, 'rss_mib')} |"
        )
    lines += ["", f"Our `/data` median latency: {data_ms:.2f} ms.", ""]
    return "\n".join(lines)


def collector_table(titles: list[str], costs: list[dict[str, float]]) -> str:
    """µs per scrape of each of our collectors, one column per scenario."""
    names = sorted({n for c in costs for n in c}, key=lambda n: -max(c.get(n, 0.0) for c in costs))
    lines = [
        "#### What each collector costs (µs per scrape, mean over the scrapes of the last run)",
        "",
        "| collector | " + " | ".join(titles) + " |",
        "|---|" + "---:|" * len(titles),
    ]
    for n in names:
        lines.append(f"| {n} | " + " | ".join(f"{c[n]:.0f}" if n in c else "" for c in costs) + " |")
    lines.append("| **sum** | " + " | ".join(f"**{sum(c.values()):.0f}**" for c in costs) + " |")
    return "\n".join(lines) + "\n"


def summary(runs: list[list[Results]], titles: list[str]) -> str:
    """Our latency and CPU ratios to node_exporter in every run, every scenario."""
    lines = [
        f"#### Every run: our ratio to node_exporter, latency / CPU ({len(runs)} runs, the tables above are the last)",
        "",
        "| run | " + " | ".join(titles) + " |",
        "|---:|" + "---:|" * len(titles),
    ]
    for i, scenarios in enumerate(runs, 1):
        cells = []
        for results in scenarios:
            mine, base = results[OURS], results.get("node_exporter")
            if base is None:
                cells.append("")
                continue
            cells.append(f"{ratio(mine, base, 'median_ms')} / {ratio(mine, base, 'cpu_ms')} "
                         f"({mine['median_ms']:.2f} vs {base['median_ms']:.2f} ms)")
        lines.append(f"| {i} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def scaling(cfg: Path, scrapes: int, counts: tuple[int, ...]) -> str:
    """Both exporters at 100 … 10,000 processes (idle ones in service cgroups of 20)."""
    rows = ["#### Scaling: /metrics median latency and CPU per scrape by process count (extra ones in service "
            "cgroups of 20)", "",
            "| processes | ours: latency | ours: CPU | node_exporter: latency | node_exporter: CPU | latency ratio "
            "| CPU ratio |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for n in counts:
        extra = max(0, n - process_count())
        node = node_exporter()
        with idle_processes(extra, lifetime=1800), ours(cfg, data_dir=cfg.parent / "data-scaling") as srv:
            servers = [srv]
            if node is not None:
                servers.append(node.__enter__())
            try:
                r, _ = measure(servers, scrapes)
            finally:
                if node is not None:
                    node.__exit__(None, None, None)
            mine, base = r[OURS], r.get("node_exporter")
            theirs = (f"{base['median_ms']:.2f} ms | {base['cpu_ms']:.2f} ms" if base else " | ")
            rows.append(f"| {process_count()} | {mine['median_ms']:.2f} ms | {mine['cpu_ms']:.2f} ms | {theirs} | "
                        f"{ratio(mine, base, 'median_ms')} | {ratio(mine, base, 'cpu_ms')} |")
            print(rows[-1], flush=True)
    return "\n".join(rows) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scrapes", type=int, default=50)
    ap.add_argument("--extra", type=int, default=1000, help="idle processes added in the second and third scenario")
    ap.add_argument("--many", type=int, default=5000, help="idle processes added in the fourth (0: none)")
    ap.add_argument("--runs", type=int, default=3, help="measure the scenarios this many times (default 3)")
    ap.add_argument("--scaling", action="store_true", help="also the table from 100 to 10,000 processes")
    ap.add_argument("--process-exporter", action="store_true", help="also scrape Debian's process-exporter")
    ap.add_argument("--output", default=str(HERE / "RESULTS-scrape.md"))
    args = ap.parse_args()

    scenarios = [("Normal", 0, "one"), (f"+{args.extra} idle in 50 services", args.extra, "services"),
                 (f"+{args.extra} idle in one cgroup", args.extra, "one")]
    if args.many:
        scenarios.append((f"+{args.many} idle in services", args.many, "services"))
    titles = [t for t, _, _ in scenarios]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg = work / "sysmon.yml"
        # The defaults a user gets (history on, in a fresh database; directory scans on, of
        # the default roots: none when run as root), but for sample_max_age 0: every scrape collects.
        cfg.write_text("sample_max_age: 0s\n")
        servers: list[Server] = [ours(cfg, data_dir=work / "data")]
        for extra in (node_exporter(), process_exporter(work) if args.process_exporter else None):
            if extra is not None:
                servers.append(extra)
        report = [
            "### Scrape cost, side by side",
            "",
            f"{platform.node()} · {platform.machine()} · Python {platform.python_version()} · "
            f"{args.scrapes} interleaved sequential scrapes per server per scenario · all default collectors · "
            f"{time.strftime('%Y-%m-%d %H:%M')}",
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
            runs: list[list[Results]] = []
            tables: list[str] = []
            costs: list[dict[str, float]] = []
            for run in range(1, args.runs + 1):
                results, tables, costs = [], [], []
                for title, extra, layout in scenarios:
                    with idle_processes(extra, lifetime=1800, layout=layout) as placed:
                        r, c = measure(opened, args.scrapes)
                        label = title if placed == layout else f"{title} (could not make cgroups: one cgroup)"
                        tables.append(table(label, process_count(), r, data_latency(opened[0], args.scrapes)))
                    results.append(r)
                    costs.append(c)
                    print(f"run {run}/{args.runs}\n{tables[-1]}", flush=True)
                runs.append(results)
            report += tables
            report.append(collector_table(titles, costs))
            if args.runs > 1:
                report.append(summary(runs, titles))
        finally:
            for s in opened:
                s.__exit__(None, None, None)

        if args.scaling:
            report.append(scaling(cfg, args.scrapes, (100, 1000, 2000, 5000, 10000)))

    Path(args.output).write_text("\n".join(report))
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
