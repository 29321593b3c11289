"""Bounded load test of the exporter on loopback: N keep-alive clients on /metrics and /data.

    .venv/bin/python bench/load.py                     # 50 clients, 60 s, writes bench/RESULTS-load.md
    .venv/bin/python bench/load.py --duration 10       # a quick look
    .venv/bin/python bench/load.py --soak 600          # 10 minutes, RSS at start and end (memory leaks)
    .venv/bin/python bench/load.py --slow-clients      # silent TLS, silent plain, slowloris vs node_exporter

It starts its own exporter (history off, directory scans off, so only the request path
is measured) on a free 127.0.0.1 port, or uses --url (loopback addresses only) with
--pid for the CPU/RSS figures. It stops by itself after the duration. Reports: requests,
errors (any non-200 or exception), p50/p99 latency per endpoint, the exporter's CPU
(utime+stime from /proc/PID/stat over the run) and RSS (VmRSS: start, max, end).
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import os
import platform
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from common import cpu_seconds, free_port, ours, rss_bytes

RESULTS = Path(__file__).resolve().parent / "RESULTS-load.md"
PATHS = ("/metrics", "/data")


@dataclass
class ClientStats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PATHS})
    errors: dict[str, int] = field(default_factory=dict)
    bytes: int = 0


def client(host: str, port: int, index: int, stop_at: float, stats: ClientStats) -> None:
    """One keep-alive connection; client i starts on PATHS[i % 2] and alternates."""
    conn: http.client.HTTPConnection | None = None
    n = index
    while time.monotonic() < stop_at:
        path = PATHS[n % len(PATHS)]
        n += 1
        start = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=30)
            conn.request("GET", path, headers={"Accept-Encoding": "gzip"} if path == "/metrics" else {})
            r = conn.getresponse()
            body = r.read()
            took = time.perf_counter() - start
            if r.status != 200:
                key = f"{path} HTTP {r.status}"
                stats.errors[key] = stats.errors.get(key, 0) + 1
            else:
                stats.latencies[path].append(took)
                stats.bytes += len(body)
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            key = f"{path} {type(e).__name__}"
            stats.errors[key] = stats.errors.get(key, 0) + 1
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()


def percentile(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * q))] * 1000 if s else float("nan")


def run(host: str, port: int, pid: int | None, clients: int, duration: float,
        rss_every: float) -> dict[str, object]:
    stats = [ClientStats() for _ in range(clients)]
    rss_timeline: list[tuple[float, int]] = []
    cpu0 = cpu_seconds(pid) if pid else 0.0
    t0 = time.monotonic()
    stop_at = t0 + duration
    threads = [threading.Thread(target=client, args=(host, port, i, stop_at, stats[i]), daemon=True)
               for i in range(clients)]
    for t in threads:
        t.start()
    next_rss = t0
    while time.monotonic() < stop_at:
        if pid and time.monotonic() >= next_rss:
            rss_timeline.append((time.monotonic() - t0, rss_bytes(pid)))
            next_rss += rss_every
        time.sleep(min(0.5, max(0.0, stop_at - time.monotonic())))
    for t in threads:
        t.join(60)
    elapsed = time.monotonic() - t0
    cpu = (cpu_seconds(pid) - cpu0) if pid else float("nan")
    if pid:
        rss_timeline.append((elapsed, rss_bytes(pid)))
    lat = {p: [x for s in stats for x in s.latencies[p]] for p in PATHS}
    errors: dict[str, int] = {}
    for s in stats:
        for k, v in s.errors.items():
            errors[k] = errors.get(k, 0) + v
    ok = sum(len(v) for v in lat.values())
    return {
        "clients": clients, "duration": elapsed, "ok": ok, "errors": errors,
        "rps": ok / elapsed, "cpu_seconds": cpu, "cpu_percent": 100 * cpu / elapsed,
        "rss": rss_timeline, "bytes": sum(s.bytes for s in stats),
        "latency": {p: (len(v), percentile(v, 0.5), percentile(v, 0.99), max(v) * 1000 if v else float("nan"))
                    for p, v in lat.items()},
    }


def mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def report(r: dict[str, object], soak: float | None) -> str:
    rss: list[tuple[float, int]] = r["rss"]  # type: ignore[assignment]
    errors: dict[str, int] = r["errors"]  # type: ignore[assignment]
    latency: dict[str, tuple[int, float, float, float]] = r["latency"]  # type: ignore[assignment]
    title = "Soak" if soak else "Load"
    lines = [
        f"### {title}: {r['clients']} keep-alive clients on /metrics and /data for {r['duration']:.0f} s",
        "",
        f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"{time.strftime('%Y-%m-%d %H:%M')} · `bench/load.py{f' --soak {soak:g}' if soak else ''}` "
        "· client and exporter share the machine",
        "",
        f"Requests answered 200: **{r['ok']}** ({float(str(r['rps'])):.0f}/s). "
        f"Errors: **{sum(errors.values())}**" + (f" ({errors})" if errors else "") + ".",
        "",
        "| endpoint | requests | p50 | p99 | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for p, (n, p50, p99, mx) in latency.items():
        lines.append(f"| {p} | {n} | {p50:.1f} ms | {p99:.1f} ms | {mx:.0f} ms |")
    lines += [
        "",
        f"Exporter CPU: {float(str(r['cpu_seconds'])):.1f} s over the run = {float(str(r['cpu_percent'])):.0f} % "
        "of one core (utime+stime, /proc/PID/stat).",
    ]
    if rss:
        lines.append(f"Exporter RSS: start {mib(rss[0][1])}, max {mib(max(x for _, x in rss))}, "
                     f"end {mib(rss[-1][1])}.")
        if soak:
            lines += ["", "RSS over time: " + ", ".join(f"{t:.0f} s {mib(x)}" for t, x in rss) + "."]
    return "\n".join(lines) + "\n"


def write_results(section: str, text: str) -> None:
    """Replace this mode's section of RESULTS-load.md, keeping the other."""
    begin, end = f"<!-- {section} -->", f"<!-- /{section} -->"
    current = RESULTS.read_text() if RESULTS.exists() else (
        "## Load and soak\n\nGenerated by `bench/load.py`; do not edit by hand.\n\n"
        "<!-- load -->\n<!-- /load -->\n\n<!-- soak -->\n<!-- /soak -->\n")
    block = f"{begin}\n{text}{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(current):
        current = pattern.sub(lambda _m: block, current)
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(current)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    ap.add_argument("--soak", type=float, metavar="SECONDS", help="soak mode: run this long, report RSS over time")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--url", help="an already running exporter on a loopback address (default: start one)")
    ap.add_argument("--pid", type=int, help="its PID, for CPU and RSS (with --url)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS-load.md alone")
    ap.add_argument("--slow-clients", action="store_true",
                    help="slow-client scenarios (bench/slow_clients.py), ours next to node_exporter")
    ap.add_argument("--seconds", type=float, default=10.0, help="per slow-client scenario (default 10)")
    ap.add_argument("--checkout", type=Path, help="run ours from this checkout (e.g. an older commit, to compare)")
    ap.add_argument("--server", choices=["cheroot", "gunicorn"], default="cheroot",
                    help="serve ours with cheroot as shipped, or with gunicorn's gthread worker to compare")
    args = ap.parse_args(argv)
    if args.slow_clients:
        import slow_clients

        if not 1 <= args.seconds <= 120:
            ap.error("--seconds must be 1..120")
        checkout = args.checkout.resolve() if args.checkout else slow_clients.REPO
        results = slow_clients.run(args.seconds, checkout=checkout, server=args.server)
        label = ("" if args.checkout is None else f" (ours from {checkout.name})") + (
            "" if args.server == "cheroot" else f" (ours on {args.server})")
        text = slow_clients.report(results, args.seconds, label)
        print(text)
        if not args.no_write:
            section = "slow" if args.checkout is None else "slow-before"
            write_results(section if args.server == "cheroot" else f"slow-{args.server}", text)
        return 0
    duration = args.soak or args.duration
    if not 1 <= args.clients <= 500 or not 0 < duration <= 3600:
        ap.error("--clients must be 1..500 and the duration 0..3600 s")

    def go(host: str, port: int, pid: int | None) -> dict[str, object]:
        print(f"{args.clients} clients on http://{host}:{port} for {duration:.0f} s ...", file=sys.stderr)
        return run(host, port, pid, args.clients, duration, rss_every=60.0 if args.soak else 5.0)

    if args.url:
        u = urllib.parse.urlsplit(args.url)
        host = u.hostname or ""
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if u.scheme != "http" or not loopback:
            ap.error("--url must be http:// on a loopback address (this is a load generator)")
        result = go(host, u.port or 80, args.pid)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            cfg = Path(tmp) / "load.yml"
            cfg.write_text("dirsize:\n  enabled: false\nhistory:\n  enabled: false\n")
            port = free_port()
            with ours(cfg, port) as server:
                result = go("127.0.0.1", port, server.pid)
    text = report(result, args.soak)
    print(text)
    if not args.no_write:
        write_results("soak" if args.soak else "load", text)
    errors: dict[str, int] = result["errors"]  # type: ignore[assignment]
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
