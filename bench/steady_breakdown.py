"""Where the steady state's CPU goes: bench_steady's set-up, with the CPU counted per activity.

The same run as bench/bench_steady.py (defaults: history on, the start-up scan of a home;
a scrape every 15 s, the page's /data every 2 s, `--extra` idle processes in service
cgroups), with the exporter started through bench/instrumented_serve.py, which adds each
activity's thread CPU time up. Prints the process's CPU over the window and, per
activity, the calls, ms of CPU per second of the window and per call; then the CPU of
each long-lived thread over the window (the ticker, the head gate, cheroot's selector
in MainThread, the history writer, ...). Activities nest (the WSGI app includes the /data
document, a collection includes its subscribers only where said), so the rows do not
add up to the total (a scrape's collection runs inside its HTTP request); the threads do:
the long-lived ones plus those that ended in the window (the Sampler's background
collections for the page's polls) make the total.

    python bench/steady_breakdown.py [--duration 120] [--extra 1000] [--home-entries 300000 | --home DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_steady import home_for, poll, setup_arguments, wait_scanned
from common import Server, cpu_seconds, free_port, idle_processes

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    setup_arguments(ap, 120.0)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = home_for(args.home, tmp, args.home_entries)
        scanned = args.home is not None or args.home_entries > 0
        cfg = Path(tmp) / "sysmon.yml"
        cfg.write_text(f"dirsize: {{roots: ['{home}']}}\n" if scanned else "dirsize: {enabled: false}\n")
        stats = Path(tmp) / "stats.json"
        port = free_port()
        env = {**os.environ, "HOME": str(home), "STEADY_STATS": str(stats)}
        with idle_processes(args.extra, lifetime=int(args.duration) + 900, layout=args.layout):
            server = Server("sysmon-exporter", [sys.executable, str(HERE / "instrumented_serve.py"), "serve",
                                                "--config", str(cfg), "--data-dir", str(Path(tmp) / "data"),
                                                "--listen", f"127.0.0.1:{port}"],
                            f"http://127.0.0.1:{port}", env=env)
            with server:
                if scanned:
                    wait_scanned(server.url, 600)
                time.sleep(2)
                os.kill(server.pid, signal.SIGUSR2)  # the window starts: everything counted from zero
                cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
                stop, errors = threading.Event(), []
                clients = [threading.Thread(target=poll, args=(server.url + "/metrics", 15.0, stop, errors)),
                           threading.Thread(target=poll, args=(server.url + "/data", 2.0, stop, errors))]
                for c in clients:
                    c.start()
                stop.wait(args.duration)
                stop.set()
                for c in clients:
                    c.join()
                elapsed, cpu = time.monotonic() - t0, cpu_seconds(server.pid) - cpu0
                os.kill(server.pid, signal.SIGUSR1)
                deadline = time.monotonic() + 10
                while not stats.exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
                data = json.loads(stats.read_text())
    print(report(data, elapsed, cpu, len(errors)))


def report(data: dict, elapsed: float, cpu: float, errors: int) -> str:
    def per_s(seconds: float) -> str:
        return f"{1000 * seconds / elapsed:.3f}"

    acts = data["activities"]
    lines = [f"{elapsed:.0f} s window: {100 * cpu / elapsed:.3f} % of one core ({1000 * cpu / elapsed:.2f} ms of CPU "
             f"per second); errors: {errors}", "",
             "| activity | calls | ms/s | ms per call |", "|---|---:|---:|---:|"]
    for name, (n, sec) in sorted(acts.items(), key=lambda kv: -kv[1][1]):
        lines.append(f"| {name} | {int(n)} | {per_s(sec)} | {1000 * sec / max(n, 1):.3f} |")
    n_gc, gc_sec = data["gc"]
    lines.append(f"| gc passes (inside the above) | {n_gc} | {per_s(gc_sec)} | {1000 * gc_sec / max(n_gc, 1):.3f} |")
    threads = data["threads"]
    lines += ["", "Threads over the window (ms of CPU per second): threads that ended in it (the background "
              f"collections after the page's polls) {per_s(cpu - sum(threads.values()))}, "
              + ", ".join(f"{name} {per_s(sec)}" for name, sec in sorted(threads.items(), key=lambda kv: -kv[1])
                          if sec > 0)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
