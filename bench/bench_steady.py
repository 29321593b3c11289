"""Steady-state cost and the RSS soak: CPU and RSS of the exporter as it is used in practice.

A scrape every 15 s (as Prometheus does) and one page polling /data every 2 s, at
the machine's process count plus `--extra` idle processes (in service cgroups of 20,
as a real host has them; `--layout one` for all in one cgroup), for `--duration`
seconds (at least 60; the soak: 600). Ours runs with its defaults: history on (in a
temporary directory) and the directory scan of the home directory, which is a tree
of `--home-entries` files made for the run (a few hundred thousand, as a developer's
home has). The window opens once that start-up scan has finished, so the CPU figure
is the steady state and the scan's own cost is reported apart. RSS is read every
`--every` seconds over the window, next to Debian's node_exporter scraped on the
same schedule.

    python bench/bench_steady.py [--duration 600] [--extra 1000] [--home-entries 300000] [--profile RAW]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from common import Server, cpu_seconds, free_port, get, idle_processes, node_exporter, process_count, rss_bytes

HERE = Path(__file__).resolve().parent
_SCANNED = re.compile(rb"^sysmon_directory_scan_last_success_timestamp_seconds\{[^}]*\} (\S+)$", re.M)


def poll(url: str, every: float, stop: threading.Event, errors: list[str]) -> None:
    while not stop.is_set():
        try:
            get(url)
        except OSError as e:
            errors.append(str(e))
        stop.wait(every)


def make_home(root: Path, entries: int) -> None:
    """`entries` small files in directories of 100, ten directories per project."""
    n = 0
    while n < entries:
        d = root / f"proj{n // 1000}" / f"sub{(n // 100) % 10}"
        d.mkdir(parents=True, exist_ok=True)
        for k in range(min(100, entries - n)):
            (d / f"f{k}.txt").write_bytes(b"x" * (k * 37 % 5000))
        n += 100


def home_for(given: str | None, tmp: str, entries: int) -> Path:
    """The tree to scan: `given` (--home) as it is, else one of `entries` files made under `tmp`."""
    if given:
        return Path(given)
    home = Path(tmp) / "home"
    home.mkdir()
    t = time.monotonic()
    make_home(home, entries)
    print(f"made {entries} files in {time.monotonic() - t:.0f} s", flush=True)
    return home


def wait_scanned(url: str, timeout: float) -> float:
    """Seconds until the exporter reports a finished scan of its root."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        m = _SCANNED.search(get(url + "/metrics"))
        if m and float(m.group(1)) > 0:
            return time.monotonic() - start
        time.sleep(0.5)
    raise RuntimeError(f"no finished directory scan within {timeout:.0f} s")


def start_profile(pid: int, seconds: float, raw: str) -> subprocess.Popen[bytes]:
    """py-spy sampling the exporter for the window (non-blocking: it never stops the process)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen([spy, "record", "--rate", "100", "--duration", str(int(seconds)), "--pid", str(pid),
                             "--format", "raw", "--output", raw, "--nonblocking", "--threads"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def last_scan(url: str) -> float:
    m = _SCANNED.search(get(url + "/metrics"))
    return float(m.group(1)) if m else 0.0


def rescan_cpu(url: str, pid: int, home: Path, timeout: float = 600) -> float:
    """CPU seconds of one forced rescan of the home (a POST, as the page's button does), which
    is what each periodic rescan costs; the window never holds one (they are 10 min apart)."""
    before, cpu0 = last_scan(url), cpu_seconds(pid)
    query = urllib.parse.urlencode({"path": str(home)})
    req = urllib.request.Request(f"{url}/disk-usage-details?{query}", method="POST",
                                 headers={"X-Requested-With": "bench"})
    urllib.request.urlopen(req, timeout=30).close()
    deadline = time.monotonic() + timeout
    while last_scan(url) == before:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the forced rescan did not finish within {timeout:.0f} s")
        time.sleep(0.2)
    return cpu_seconds(pid) - cpu0


def mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def setup_arguments(ap: argparse.ArgumentParser, duration: float) -> None:
    """The set-up's options, shared with bench/steady_breakdown.py."""
    ap.add_argument("--duration", type=float, default=duration)
    ap.add_argument("--extra", type=int, default=1000)
    ap.add_argument("--layout", choices=("services", "one"), default="services")
    ap.add_argument("--home-entries", type=int, default=300_000, help="files in the scanned home (0: no scan)")
    ap.add_argument("--home", help="an existing tree to scan as the home directory instead of making one")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    setup_arguments(ap, 60.0)
    ap.add_argument("--every", type=float, default=30.0, help="seconds between RSS readings")
    ap.add_argument("--output", default=str(HERE / "RESULTS-steady.md"))
    ap.add_argument("--profile", metavar="RAW", help="record the window with py-spy (100 Hz, raw) into RAW and "
                    "print where the time went (bench/profile_scrape.py's summary)")
    args = ap.parse_args()
    duration = max(60.0, args.duration)

    with tempfile.TemporaryDirectory() as tmp:
        home = home_for(args.home, tmp, args.home_entries)
        entries = sum(len(files) + len(dirs) for _, dirs, files in os.walk(home))
        cfg = Path(tmp) / "sysmon.yml"
        # The scan of the home directory is the default of a non-root user; a root exporter scans
        # nothing unless told, so the root is named here (the same scan either way).
        cfg.write_text(f"dirsize: {{roots: ['{home}']}}\n" if entries else "dirsize: {enabled: false}\n")
        port = free_port()
        with idle_processes(args.extra, lifetime=int(duration) + 900, layout=args.layout) as placed:
            ours = Server("sysmon-exporter", [sys.executable, "-m", "exporter", "serve", "--config", str(cfg),
                                              "--data-dir", str(Path(tmp) / "data"), "--listen", f"127.0.0.1:{port}"],
                          f"http://127.0.0.1:{port}", env={**os.environ, "HOME": str(home)})
            node = node_exporter()
            with ours:
                node_ctx = node.__enter__() if node else None
                try:
                    rss_started = rss_bytes(ours.pid)
                    scan_seconds = wait_scanned(ours.url, 600) if entries else 0.0
                    time.sleep(2)  # let the scan's thread end
                    scan_cpu = cpu_seconds(ours.pid)
                    stop = threading.Event()
                    errors: list[str] = []
                    threads = [
                        threading.Thread(target=poll, args=(ours.url + "/metrics", 15.0, stop, errors)),
                        threading.Thread(target=poll, args=(ours.url + "/data", 2.0, stop, errors)),
                    ]
                    if node_ctx:
                        threads.append(threading.Thread(target=poll, args=(node_ctx.url + "/metrics", 15.0, stop,
                                                                           errors)))
                    rss: list[tuple[float, int, int]] = []
                    cpu0 = {"ours": cpu_seconds(ours.pid), "node": cpu_seconds(node_ctx.pid) if node_ctx else 0.0}
                    t0 = time.monotonic()
                    spy = start_profile(ours.pid, duration, args.profile) if args.profile else None
                    for t in threads:
                        t.start()
                    while True:
                        rss.append((time.monotonic() - t0, rss_bytes(ours.pid),
                                    rss_bytes(node_ctx.pid) if node_ctx else 0))
                        if time.monotonic() - t0 >= duration or stop.wait(min(args.every, duration)):
                            break
                    stop.set()
                    for t in threads:
                        t.join()
                    elapsed = time.monotonic() - t0
                    cpu = {"ours": cpu_seconds(ours.pid) - cpu0["ours"],
                           "node": (cpu_seconds(node_ctx.pid) - cpu0["node"]) if node_ctx else 0.0}
                    if spy is not None:
                        spy.wait()
                    rss.append((elapsed, rss_bytes(ours.pid), rss_bytes(node_ctx.pid) if node_ctx else 0))
                    rescan = rescan_cpu(ours.url, ours.pid, home) if entries else 0.0
                finally:
                    if node_ctx:
                        node_ctx.__exit__(None, None, None)

    ours_rss = [r for _, r, _ in rss]
    node_rss = [n for _, _, n in rss]
    lines = [
        "### Steady state: a scrape every 15 s and a page polling /data every 2 s",
        "",
        f"{process_count()} processes after the run (+{args.extra} idle during it, "
        f"{'in service cgroups of 20' if placed == 'services' else 'all in one cgroup'}), {elapsed:.0f} s window, "
        f"{time.strftime('%Y-%m-%d %H:%M')}; defaults (history on, the start-up scan of a home of {entries} "
        f"entries); errors: {len(errors)}.",
        "",
        "| exporter | CPU (% of one core) | RSS at the window's start | min | max | at the end "
        "| max / node_exporter's |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| sysmon-exporter | {100 * cpu['ours'] / elapsed:.2f} % | {mib(ours_rss[0])} | {mib(min(ours_rss))} | "
        f"{mib(max(ours_rss))} | {mib(ours_rss[-1])} | "
        + (f"{max(ours_rss) / max(node_rss):.2f}× |" if node else " |"),
    ]
    if node:
        lines.append(f"| node_exporter (scrapes only) | {100 * cpu['node'] / elapsed:.2f} % | {mib(node_rss[0])} | "
                     f"{mib(min(node_rss))} | {mib(max(node_rss))} | {mib(node_rss[-1])} | |")
    lines += [
        "",
        f"Start-up: RSS {mib(rss_started)} when first up; the scan of {entries} entries took {scan_seconds:.1f} s "
        f"and the whole start-up (imports, first collections, the scan) {scan_cpu:.2f} s of CPU.",
        "",
        (f"Periodic rescans of the home, outside the window: one costs {rescan:.2f} s of CPU (a forced rescan "
         f"after it). They come every refresh_interval (600 s) while the tree changes, +{100 * rescan / 600:.2f} % "
         f"of a core over the window's figure, and hourly while it reports no change (inotify), "
         f"+{100 * rescan / 3600:.3f} %." if entries else "No directory scan (--home-entries 0)."),
        "",
        "RSS over the window (s: ours / node_exporter): "
        + ", ".join(f"{t:.0f}: {o / 2**20:.1f}/{n / 2**20:.1f}" for t, o, n in rss),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    Path(args.output).write_text(text)
    if args.profile:
        from profile_scrape import summarize

        print(summarize(Path(args.profile), 40))


if __name__ == "__main__":
    main()
