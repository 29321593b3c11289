"""Where the exporter's memory goes: imports by layer, a fresh default start beside node_exporter, the scan.

1. Imports, each step in a fresh interpreter (RSS of the interpreter after the imports, modules
   loaded): bare Python; everything `serve` imports but the web layer; the whole serve path
   (Werkzeug, cheroot and our web package on top); the same with OpenSSL
   left out, as `serve` does when nothing needs TLS (exporter.tuning.leave_out_openssl).
2. A fresh start with the defaults (history on, in a temporary directory; the start-up scan of
   a home of `--home-entries` files, as bench_steady.py makes it), side by side with Debian's
   node_exporter: RSS (anonymous and file-backed) when first up, once the scan has finished, and
   after `--requests` rounds of /metrics and /data; threads. Median of `--runs` starts.
3. The scan itself, in this process: the Python memory its walk holds at its peak and what its
   result keeps (tracemalloc), and the RSS a scan in a worker thread leaves, before and after
   glibc's malloc_trim (which the service calls after each scan).

    python bench/bench_memory.py [--runs 3] [--home-entries 300000] [--requests 30] [--output FILE]

The RSS depends on the host's process count (the per-process tables grow with it): compare
figures of one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from bench_steady import home_for, wait_scanned
from common import REPO, Server, free_port, get, node_exporter, process_count

HERE = Path(__file__).resolve().parent

_IMPORTS = {
    "Python alone": "",
    "serve's imports without the web layer": "import exporter.cli, exporter.history, exporter.runtime; "
                                             "import cheroot.server, cheroot.wsgi",
    "the whole serve path (+ Werkzeug, web/)": "import exporter.cli, exporter.history, "
        "exporter.runtime, exporter.web.app, exporter.web.server",
    "the same, OpenSSL left out as serve does without TLS": "from exporter import tuning; "
        "tuning.leave_out_openssl(False); import exporter.cli, exporter.history, exporter.runtime, "
        "exporter.web.app, exporter.web.server",
}
_REPORT = ("import json, sys; s = {l.split(':')[0]: int(l.split()[1]) for l in open('/proc/self/status') "
           "if l.startswith(('VmRSS', 'RssAnon', 'RssFile'))}; print(json.dumps([len(sys.modules), s]))")


def status(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "Threads"):
            out[key] = int(value.split()[0])
    return out


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def imports() -> list[str]:
    rows = ["| imported | modules | RSS MiB | anonymous | file-backed |", "|---|---:|---:|---:|---:|"]
    for label, code in _IMPORTS.items():
        out = subprocess.run([sys.executable, "-c", f"{code}\n{_REPORT}"], capture_output=True, text=True,
                             cwd=REPO, check=True).stdout
        modules, s = json.loads(out)
        rows.append(f"| {label} | {modules} | {mib(s['VmRSS'])} | {mib(s['RssAnon'])} | {mib(s['RssFile'])} |")
    return rows


def fresh_starts(home: Path, runs: int, requests: int) -> tuple[list[str], float]:
    stages: dict[str, list[dict[str, int]]] = {"first up": [], "scan finished": [], f"after {requests} rounds": []}
    node: list[int] = []
    scan_s: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = Path(tmp) / "sysmon.yml"
            cfg.write_text(f"dirsize: {{roots: ['{home}']}}\n")  # a root exporter scans nothing unless told
            port = free_port()
            ours = Server("sysmon-exporter", [sys.executable, "-m", "exporter", "serve", "--config", str(cfg),
                                              "--data-dir", str(Path(tmp) / "data"), "--listen", f"127.0.0.1:{port}"],
                          f"http://127.0.0.1:{port}", env={**os.environ, "HOME": str(home)})
            with ours:
                stages["first up"].append(status(ours.pid))
                scan_s.append(wait_scanned(ours.url, 600))
                time.sleep(2)  # the scan's log line and trim come just after its result
                stages["scan finished"].append(status(ours.pid))
                for _ in range(requests):
                    get(ours.url + "/metrics")
                    get(ours.url + "/data")
                stages[f"after {requests} rounds"].append(status(ours.pid))
        n = node_exporter()
        if n is not None:
            with n:
                for _ in range(requests):
                    get(n.url + "/metrics")
                node.append(status(n.pid)["VmRSS"])
    rows = ["| sysmon-exporter | RSS MiB | anonymous | file-backed | threads | / node_exporter's |",
            "|---|---:|---:|---:|---:|---:|"]
    base = statistics.median(node) if node else 0.0
    for label, samples in stages.items():
        med = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
        ratio = f"{med['VmRSS'] / base:.2f}×" if base else ""
        rows.append(f"| {label} | {mib(med['VmRSS'])} | {mib(med['RssAnon'])} | {mib(med['RssFile'])} | "
                    f"{med['Threads']:.0f} | {ratio} |")
    if base:
        rows.append(f"| node_exporter after {requests} scrapes | {mib(base)} | | | | 1.00× |")
    return rows, statistics.median(scan_s)


def the_scan(home: Path) -> list[str]:
    from exporter import tuning
    from exporter.dirsize.priority import lower_priority
    from exporter.dirsize.scanner import scan

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    result = scan(str(home))
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    entries = result.entries
    del result
    trim = tuning.malloc_trim()

    def worker() -> None:
        lower_priority()
        scan(str(home))

    a = status(os.getpid())["VmRSS"]
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    b = status(os.getpid())["VmRSS"]
    if trim is not None:
        trim()
    c = status(os.getpid())["VmRSS"]
    return [
        f"A walk of {entries:,} entries holds at most {(peak - before) / 1024:.0f} KiB of Python objects above what "
        f"was there before (the stack of open directories, one listing, the top-N heaps); its result keeps "
        f"{(current - before) / 1024:.0f} KiB (the largest directories and files, totals, error examples). In a "
        f"worker thread (as the service runs it) the RSS went {mib(a)} → {mib(b)} MiB, and {mib(c)} MiB after "
        f"malloc_trim(0), which hands back the heap's free pages (the service trims after each scan).",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--home-entries", type=int, default=300_000)
    ap.add_argument("--home", help="an existing tree to scan instead of making one")
    ap.add_argument("--requests", type=int, default=30, help="rounds of /metrics and /data after the scan")
    ap.add_argument("--output", default=str(HERE / "RESULTS-memory.md"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = home_for(args.home, tmp, args.home_entries)
        entries = sum(len(files) + len(dirs) for _, dirs, files in os.walk(home))
        import_rows = imports()
        start_rows, scan_seconds = fresh_starts(home, max(1, args.runs), args.requests)
        scan_text = the_scan(home)
    lines = [
        "### Memory: imports, a fresh default start, the start-up scan",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')}, {process_count()} processes, CPython {sys.version.split()[0]}.",
        "",
        *import_rows,
        "",
        f"Fresh starts with the defaults (history on, the start-up scan of a home of {entries:,} entries, "
        f"{scan_seconds:.1f} s), median of {args.runs}:",
        "",
        *start_rows,
        "",
        *scan_text,
        "",
    ]
    text = "\n".join(lines)
    print(text)
    Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
