"""The web layer's cost: RSS of a fresh default start, and server CPU per request through real cheroot.

Compares this checkout with another one (`--before PYTHON:TREE`, e.g. a worktree of an older
commit and a venv that has its dependencies), runs alternating in the same invocation so both
see the same machine load:

1. RSS: `python -m exporter serve` with the defaults (history on in a fresh `--data-dir`, the
   start-up scan of a home of `--home-entries` files, made here, named as the root as
   bench_steady.py does, since root's default roots are not the home), VmRSS and the number of
   threads after the scan, 20 scrapes of /metrics and 20 GETs of /data.
2. CPU per request: utime+stime of the server process (/proc/PID/stat) over `--requests`
   sequential requests from one keep-alive client (http.client), with Prometheus' headers for
   /metrics and a browser's for /data; once with `sample_max_age: 1h` (no request collects:
   the web layer, the cached rendering and the HTTP server) and once with `0s` (every request
   collects). History and scans are off there, so that no background work lands in the window.
3. CPU per request on a new connection each (`*_newconn`, cached config): what a scraper
   without keep-alive costs the server, accept, head gate and close included. A raw socket
   client: connect, one GET with `Connection: close`, read to EOF; `GET /nope` (a 404 JSON,
   no app work: the HTTP layer's fixed cost) and `GET /metrics` with Prometheus' headers.

Medians of `--runs` runs of each.

    python bench/bench_web.py [--before PYTHON:TREE] [--runs 3] [--requests 300] [--output FILE]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_steady import make_home, wait_scanned
from common import REPO, cpu_seconds, free_port, wait_http

PROMETHEUS = {"Accept": "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
              "Accept-Encoding": "gzip"}
BROWSER = {"Accept": "*/*", "Accept-Encoding": "gzip, deflate, br"}


def _status(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "Threads"):
            out[key] = int(value.split()[0])
    return out


class Exporter:
    """`python -m exporter serve` of one checkout, on a free loopback port."""

    def __init__(self, python: str, tree: Path, home: Path, config: str | None) -> None:
        self.python, self.tree, self.home, self.config = python, tree, home, config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Exporter:
        self.tmp = tempfile.TemporaryDirectory(prefix="bench-web-")
        args = [self.python, "-m", "exporter", "serve", "--listen", f"127.0.0.1:{self.port}",
                "--data-dir", self.tmp.name]
        if self.config is not None:
            path = Path(self.tmp.name) / "config.yml"
            path.write_text(self.config)
            args += ["--config", str(path)]
        env = {**os.environ, "HOME": str(self.home)}
        env.pop("PYTHONPATH", None)
        self.proc = subprocess.Popen(args, cwd=self.tree, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_http(self.url + "/healthz", 30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.tmp.cleanup()

    def requests(self, path: str, headers: dict[str, str], n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            for _ in range(n):
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    raise RuntimeError(f"{path}: {r.status}")
        finally:
            conn.close()

    def new_connections(self, path: str, headers: dict[str, str], n: int, expect: int) -> None:
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        raw = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{extra}Connection: close\r\n\r\n".encode()
        status = b" %d " % expect
        for _ in range(n):
            with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
                s.sendall(raw)
                first = s.recv(65536)
                while s.recv(65536):
                    pass
            if status not in first[:16]:
                raise RuntimeError(f"{path}: {first[:40]!r}")

    def cpu_ms_per_request(self, path: str, headers: dict[str, str], n: int) -> float:
        self.requests(path, headers, 20)  # warm: first collections, caches, the connection's thread
        before = cpu_seconds(self.proc.pid)
        self.requests(path, headers, n)
        return (cpu_seconds(self.proc.pid) - before) * 1000 / n

    def cpu_ms_per_new_connection(self, path: str, headers: dict[str, str], n: int, expect: int = 200) -> float:
        self.new_connections(path, headers, 20, expect)
        before = cpu_seconds(self.proc.pid)
        self.new_connections(path, headers, n, expect)
        return (cpu_seconds(self.proc.pid) - before) * 1000 / n


def rss_run(python: str, tree: Path, home: Path) -> dict[str, float]:
    # the scan of the home is the default of a non-root user; a root exporter's default roots differ
    with Exporter(python, tree, home, f"dirsize: {{roots: ['{home}']}}\n") as e:
        wait_scanned(e.url, 120)
        e.requests("/metrics", PROMETHEUS, 20)
        e.requests("/data", BROWSER, 20)
        s = _status(e.proc.pid)
    return {"rss_mib": s["VmRSS"] / 1024, "threads": s["Threads"]}


def cpu_run(python: str, tree: Path, home: Path, max_age: str, n: int) -> dict[str, float]:
    config = f"sample_max_age: {max_age}\nhistory:\n  enabled: false\ndirsize:\n  enabled: false\n"
    with Exporter(python, tree, home, config) as e:
        rows = {"metrics_ms": e.cpu_ms_per_request("/metrics", PROMETHEUS, n),
                "data_ms": e.cpu_ms_per_request("/data", BROWSER, n)}
        if max_age != "0s":  # the HTTP layer's cost per connection: cached answers only
            rows["nope_newconn_ms"] = e.cpu_ms_per_new_connection("/nope", {}, n, expect=404)
            rows["metrics_newconn_ms"] = e.cpu_ms_per_new_connection("/metrics", PROMETHEUS, n)
        return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", help="PYTHON:TREE of the checkout to compare with")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--home-entries", type=int, default=3000)
    ap.add_argument("--output", type=Path)
    a = ap.parse_args()
    variants = {"this checkout": (sys.executable, REPO)}
    if a.before:
        python, _, tree = a.before.partition(":")
        variants = {"before": (python, Path(tree)), **variants}
    results: dict[str, dict[str, list[float]]] = {name: {} for name in variants}
    with tempfile.TemporaryDirectory(prefix="bench-web-home-") as home_dir:
        home = Path(home_dir)
        make_home(home, a.home_entries)
        for run in range(a.runs):
            for name, (python, tree) in variants.items():  # alternating: both see the same load
                rows = rss_run(python, tree, home)
                for age, label in (("1h", "cached"), ("0s", "collecting")):
                    rows |= {f"{k}_{label}": v for k, v in cpu_run(python, tree, home, age, a.requests).items()}
                for k, v in rows.items():
                    results[name].setdefault(k, []).append(v)
                print(f"run {run + 1} {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in rows.items()), flush=True)
    keys = list(next(iter(results.values())))
    lines = [f"{time.strftime('%Y-%m-%d %H:%M')}, median of {a.runs} runs, {a.requests} requests per figure.", "",
             "| | " + " | ".join(results) + " |", "|---|" + "---:|" * len(results)]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(f"{statistics.median(r[k]):.3f}" for r in results.values()) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.output:
        a.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
