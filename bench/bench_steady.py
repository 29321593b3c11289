"""Steady-state cost: CPU and RSS of the exporter as it is used in practice.

A scrape every 15 s (as Prometheus does) and one page polling /data every 2 s,
at the machine's process count plus `--extra` idle processes, for
`--duration` seconds (at least 60). CPU comes from /proc/PID/stat over the
whole window; RSS is read at the start and the end (the soak: --duration 600).
Ours runs with its defaults (history on, in a temporary directory; directory
scans off so a background scan does not blur the figure), next to Debian's
node_exporter scraped on the same schedule.

    python bench/bench_steady.py [--duration 60] [--extra 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import Server, cpu_seconds, free_port, get, idle_processes, node_exporter, process_count, rss_bytes

HERE = Path(__file__).resolve().parent


def poll(url: str, every: float, stop: threading.Event, errors: list[str]) -> None:
    while not stop.is_set():
        try:
            get(url)
        except OSError as e:
            errors.append(str(e))
        stop.wait(every)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--extra", type=int, default=1000)
    ap.add_argument("--output", default=str(HERE / "RESULTS-steady.md"))
    args = ap.parse_args()
    duration = max(60.0, args.duration)

    with tempfile.TemporaryDirectory() as tmp, idle_processes(args.extra, lifetime=int(duration) + 120):
        cfg = Path(tmp) / "sysmon.yml"
        cfg.write_text("dirsize: {enabled: false}\n")
        port = free_port()
        ours = Server("sysmon-exporter", [sys.executable, "-m", "exporter", "serve", "--config", str(cfg),
                                          "--data-dir", str(Path(tmp) / "data"), "--listen", f"127.0.0.1:{port}"],
                      f"http://127.0.0.1:{port}")
        node = node_exporter()
        with ours:
            node_ctx = node.__enter__() if node else None
            try:
                stop = threading.Event()
                errors: list[str] = []
                threads = [
                    threading.Thread(target=poll, args=(ours.url + "/metrics", 15.0, stop, errors)),
                    threading.Thread(target=poll, args=(ours.url + "/data", 2.0, stop, errors)),
                ]
                if node_ctx:
                    threads.append(threading.Thread(target=poll, args=(node_ctx.url + "/metrics", 15.0, stop, errors)))
                time.sleep(3)  # let start-up settle before the window opens
                rss0 = {"ours": rss_bytes(ours.pid), "node": rss_bytes(node_ctx.pid) if node_ctx else 0}
                cpu0 = {"ours": cpu_seconds(ours.pid), "node": cpu_seconds(node_ctx.pid) if node_ctx else 0.0}
                t0 = time.monotonic()
                for t in threads:
                    t.start()
                stop.wait(duration)
                stop.set()
                for t in threads:
                    t.join()
                elapsed = time.monotonic() - t0
                cpu = {"ours": cpu_seconds(ours.pid) - cpu0["ours"],
                       "node": (cpu_seconds(node_ctx.pid) - cpu0["node"]) if node_ctx else 0.0}
                rss1 = {"ours": rss_bytes(ours.pid), "node": rss_bytes(node_ctx.pid) if node_ctx else 0}
            finally:
                if node_ctx:
                    node_ctx.__exit__(None, None, None)

    lines = [
        "### Steady state: a scrape every 15 s and a page polling /data every 2 s",
        "",
        f"{process_count()} processes at the end of the run (+{args.extra} idle during it), "
        f"{elapsed:.0f} s window, {time.strftime('%Y-%m-%d')}; errors: {len(errors)}.",
        "",
        "| exporter | CPU (% of one core) | RSS start | RSS end |",
        "|---|---:|---:|---:|",
        f"| sysmon-exporter (history on) | {100 * cpu['ours'] / elapsed:.2f} % | {rss0['ours'] / 2**20:.1f} MiB "
        f"| {rss1['ours'] / 2**20:.1f} MiB |",
    ]
    if node:
        lines.append(f"| node_exporter (scrapes only) | {100 * cpu['node'] / elapsed:.2f} % | "
                     f"{rss0['node'] / 2**20:.1f} MiB | {rss1['node'] / 2**20:.1f} MiB |")
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
