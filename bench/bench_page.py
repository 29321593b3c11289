"""The dashboard's cost: page weight on first load, the browser's cost while the page stays
open (ours and, side by side, Glances' and netdata's where they are installed), /data size,
server time per /data.

Starts the real exporter on a free loopback port (history and directory scans off,
`sample_max_age: 0` so every /data call collects a fresh snapshot: the worst case),
loads the page once in Debian's headless Chromium with an empty cache and counts
what the browser fetched (Playwright network events), then times sequential /data
calls at the host's normal process count and again with 1,000 extra idle processes
(`sleep 120`, killed at the end).

The browser's side runs, one page at a time, against a second exporter with the defaults
a user gets (history on, 2 s refresh) and against each peer of `bench/peers.py` at its own
defaults (each server runs only while its page is measured): load to first data over three
cold loads, then one page left open for `--minutes` (default 5): browser CPU (CDP
Performance.getMetrics TaskDuration and ScriptDuration) and bytes received (CDP
Network.loadingFinished) over a `--window` (default 60 s) after a 15 s warm-up, and the JS
heap at the end, before and after a forced garbage collection. A peer that is not installed
is reported as "not installed: <why>". Chromium runs with the flags of tests/browser.

    .venv/bin/python bench/bench_page.py [--calls 200] [--extra 1000] [--minutes 5] [--window 60]
        [--glances /tmp/glances-venv/bin/glances] [--no-peers]

Prints a Markdown table and writes bench/RESULTS-page.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from common import REPO, free_port
from peers import GLANCES_VENV, NotInstalled, available
from playwright.sync_api import TimeoutError as PlaywrightTimeout

RESULTS = REPO / "bench" / "RESULTS-page.md"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def wait_until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"timed out after {timeout}s waiting for {what}")


class Exporter:
    def __init__(self, workdir: Path, defaults: bool = False) -> None:
        """`defaults`: what a user gets (history on, the default sample age); else the worst case."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        name = "defaults" if defaults else "worst"
        cfg = workdir / f"bench-page-{name}.yml"
        cfg.write_text(("" if defaults else "sample_max_age: 0s\n") + "dirsize:\n  enabled: false\n")
        history = ["--data-dir", str(workdir / "data")] if defaults else ["--no-history"]
        self.log = open(workdir / f"exporter-{name}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "exporter", "serve", "--listen", f"127.0.0.1:{self.port}", "--config", str(cfg),
             *history, "--log-level", "warning"],
            cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
        )

        def healthy() -> bool:
            if self.proc.poll() is not None:
                raise SystemExit(f"exporter exited with {self.proc.returncode}; log in {workdir}")
            with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                return bool(r.status == 200)

        wait_until(healthy, 15, "the exporter's /healthz")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def page_weight(url: str) -> dict[str, Any]:
    """Requests and bytes of one cold page load (paused: exactly one /data)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
        page = ctx.new_page()
        finished: list[Any] = []
        page.on("requestfinished", lambda r: finished.append(r))
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        t0 = time.perf_counter()
        page.goto(url + "/?debug=1&paused=1", wait_until="load")
        page.wait_for_function("() => window.sysmonDebug && window.sysmonDebug.responses >= 1")
        page.wait_for_load_state("networkidle")
        ready_ms = (time.perf_counter() - t0) * 1000
        rows = []
        for req in finished:
            sizes = req.sizes()
            resp = req.response()
            rows.append({
                "path": req.url.replace(url, ""),
                "status": resp.status if resp else 0,
                "body": sizes["responseBodySize"],
                "headers": sizes["responseHeadersSize"],
            })
        browser.close()
    return {"rows": rows, "failed": failed, "ready_ms": ready_ms}


FIRST_DATA = "() => document.querySelector('#updated').dataset.ts !== ''"


def launch(p: Any) -> Any:
    return p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)


def first_data_ms(url: str, ready: str = FIRST_DATA, loads: int = 3) -> list[float]:
    """Milliseconds from navigation until `ready` holds (ours: the first /data drawn), cold cache each time."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = launch(p)
        for _ in range(loads):
            ctx = browser.new_context(viewport={"width": 1440, "height": 900})
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(url + "/", wait_until="commit")
            page.wait_for_function(ready, timeout=30_000)
            times.append((time.perf_counter() - t0) * 1000)
            ctx.close()
        browser.close()
    return times


def metrics(cdp: Any) -> dict[str, float]:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def open_page_costs(url: str, minutes: float, window: float, ready: str = FIRST_DATA) -> dict[str, Any]:
    """One page open at the default refresh: CPU and bytes over `window` s, heap after `minutes`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        ctx = browser.new_context(viewport={"width": 1440, "height": 900})
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Performance.enable")
        cdp.send("Network.enable")
        received = {"bytes": 0.0, "requests": 0}

        def finished(event: dict[str, Any]) -> None:
            received["bytes"] += event["encodedDataLength"]
            received["requests"] += 1

        cdp.on("Network.loadingFinished", finished)
        opened = time.monotonic()
        page.goto(url + "/")
        page.wait_for_function(ready, timeout=30_000)
        page.wait_for_timeout(15_000)  # warm-up: the prefill from history, the first charts
        m0, b0, r0 = metrics(cdp), received["bytes"], received["requests"]
        page.wait_for_timeout(window * 1000)
        m1, b1, r1 = metrics(cdp), received["bytes"], received["requests"]
        rest = minutes * 60 - (time.monotonic() - opened)
        if rest > 0:
            page.wait_for_timeout(rest * 1000)
        end = metrics(cdp)
        cdp.send("HeapProfiler.collectGarbage")
        after_gc = metrics(cdp)
        open_s = time.monotonic() - opened
        browser.close()
    per_min = 60.0 / window
    return {
        "window_s": window,
        "task_s": m1["TaskDuration"] - m0["TaskDuration"],
        "script_s": m1["ScriptDuration"] - m0["ScriptDuration"],
        "layout_s": m1["LayoutDuration"] - m0["LayoutDuration"],
        "layouts": m1["LayoutCount"] - m0["LayoutCount"],
        "bytes_per_min": (b1 - b0) * per_min,
        "requests_per_min": (r1 - r0) * per_min,
        "open_s": open_s,
        "heap": end["JSHeapUsedSize"],
        "heap_gc": after_gc["JSHeapUsedSize"],
        "nodes": end["Nodes"],
        "listeners": end["JSEventListeners"],
    }


def time_data_calls(url: str, calls: int) -> dict[str, Any]:
    """Sequential GET /data on one keep-alive connection: round trip and collection time."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    times: list[float] = []
    collect: list[float] = []
    body = b""
    for _ in range(calls + 5):
        t0 = time.perf_counter()
        conn.request("GET", "/data")
        r = conn.getresponse()
        body = r.read()
        times.append(time.perf_counter() - t0)
        doc = json.loads(body)
        collect.append(sum(c["duration_seconds"] for c in doc["collectors"]))
    conn.close()
    times, collect = times[5:], collect[5:]  # warm-up (the first rates, imports)
    doc = json.loads(body)
    return {
        "processes": doc["processes"]["total"] if doc.get("processes") else None,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": statistics.quantiles(times, n=20)[18] * 1000,
        "collect_ms": statistics.median(collect) * 1000,
        "size": len(body),
        "gzip": len(gzip.compress(body, 6)),
        "top_rows": len(doc["processes"]["top"]) if doc.get("processes") else 0,
    }


def spawn_sleepers(n: int) -> list[subprocess.Popen[bytes]]:
    procs = []
    for _ in range(n):
        procs.append(subprocess.Popen(["sleep", "120"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
    return procs


def kill_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
    for p in procs:
        p.wait()


def kib(n: float) -> str:
    return f"{n / 1024:.1f} KiB"


def open_pages(pages: list[dict[str, Any]], missing: dict[str, str], minutes: float) -> list[str]:
    """The side-by-side table: one column per page measured, the peers that could not run below it
    (`missing`: name → "not installed: <why>" or "not measured: <why>")."""
    head = [p["name"] + (f" {p['version']}" if p["version"] else "") + f" ({p['refresh']})" for p in pages]

    def row(measure: str, cell: Any, target: str = "") -> str:
        return f"| {measure} | " + " | ".join(cell(p) for p in pages) + f" | {target} |"

    lines = [
        "## The page left open, side by side (each page alone, at its own default refresh; 1440×900)",
        "",
        "Ours with the defaults a user gets (history on); each peer as installed, at its defaults. "
        f"Each page was open {minutes:g} min{' (shortened from the default 5)' if minutes < 5 else ''}; "
        "CPU and bytes are one window after a 15 s warm-up.",
        "",
        "| Measure | " + " | ".join(head) + " | Target (ours) |",
        "|---|" + "---:|" * len(pages) + "---:|",
        row("Load to first data (3 cold loads, median; all)",
            lambda p: f"{statistics.median(p['loads']):.0f} ms ({', '.join(f'{t:.0f}' for t in p['loads'])})"),
        row(f"JS heap after {minutes:g} min open (after a forced GC)",
            lambda p: f"{p['heap'] / 1e6:.2f} MB ({p['heap_gc'] / 1e6:.2f} MB)", "≤ 5 MB"),
        row(f"Browser CPU over {pages[0]['window_s']:.0f} s: TaskDuration (script, layout s; layouts)",
            lambda p: f"{p['task_s']:.2f} s ({p['script_s']:.2f}, {p['layout_s']:.2f}; {p['layouts']:.0f})",
            "≤ half of Glances'"),
        row("Bytes received per minute (requests)",
            lambda p: f"{p['bytes_per_min'] / 1000:.0f} KB ({p['requests_per_min']:.0f})", "≤ 200 KB"),
        row("DOM nodes, event listeners at the end", lambda p: f"{p['nodes']:.0f}, {p['listeners']:.0f}"),
        "",
    ]
    ours = pages[0]
    for p in pages[1:]:
        ratio = {k: ours[k] / p[k] for k in ("task_s", "heap", "bytes_per_min")}
        lines.append(f"Ours ÷ {p['name']}: browser CPU {ratio['task_s']:.2f}×, JS heap {ratio['heap']:.2f}×, "
                     f"bytes per minute {ratio['bytes_per_min']:.2f}×.")
    for name, why in missing.items():
        lines.append(f"{name}: {why}.")
    return [*lines, ""]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=200, help="timed /data calls per case (default 200)")
    ap.add_argument("--extra", type=int, default=1000, help="extra idle processes for the second case")
    ap.add_argument("--minutes", type=float, default=5, help="how long the page stays open (default 5)")
    ap.add_argument("--window", type=float, default=60, help="seconds of CPU and bytes measured (default 60)")
    ap.add_argument("--glances", type=Path, default=GLANCES_VENV / "bin" / "glances",
                    help="Glances from a venv of its own, with the web extras (default %(default)s)")
    ap.add_argument("--no-peers", action="store_true", help="measure only our page")
    ap.add_argument("--no-write", action="store_true", help="print only; do not write bench/RESULTS-page.md")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit("Chromium not installed at /usr/bin/chromium: sudo apt-get install chromium")

    with tempfile.TemporaryDirectory(prefix="bench-page-") as tmp:
        user = Exporter(Path(tmp), defaults=True)
        try:
            pages = [{"name": "ours", "version": "", "refresh": "2 s", "loads": first_data_ms(user.url),
                      **open_page_costs(user.url, args.minutes, args.window)}]
        finally:
            user.stop()
        peers, missing = available(args.glances) if not args.no_peers else ([], {})
        for peer in peers:
            try:
                with peer.started(Path(tmp)) as url:
                    pages.append({"name": peer.name, "version": peer.version, "refresh": peer.refresh,
                                  "loads": first_data_ms(url, peer.first_data),
                                  **open_page_costs(url, args.minutes, args.window, peer.first_data)})
            except NotInstalled as e:
                missing[peer.name] = f"not measured: {e}"
            except PlaywrightTimeout:
                missing[peer.name] = "not measured: started, but its page showed no data within 30 s"
        exp = Exporter(Path(tmp))
        sleepers: list[subprocess.Popen[bytes]] = []
        try:
            weight = page_weight(exp.url)
            normal = time_data_calls(exp.url, args.calls)
            sleepers = spawn_sleepers(args.extra)
            base = normal["processes"] or 0
            wait_until(lambda: json.loads(urllib.request.urlopen(exp.url + "/data", timeout=10).read())
                       ["processes"]["total"] >= base + args.extra * 0.95, 30, "the extra processes to show")
            loaded = time_data_calls(exp.url, args.calls)
        finally:
            kill_all(sleepers)
            exp.stop()

    rows = weight["rows"]
    total_body = sum(r["body"] for r in rows)
    total_headers = sum(r["headers"] for r in rows)
    static = [r for r in rows if r["path"].startswith("/static/") or r["path"].startswith("/?")]
    lines = [
        "# Page benchmark",
        "",
        f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, {platform.node()}: {os.cpu_count()} CPUs, "
        f"Linux {platform.release()}, Python {platform.python_version()}; `bench/bench_page.py`.",
        "The exporter ran with `sample_max_age: 0s`, so every /data call starts a collection: the worst "
        "case (by default one collection per second is shared by all callers). Since the sampler serves "
        "the previous snapshot while it collects the next, a back-to-back caller mostly waits for the "
        "collection its previous call started, so the round trip still includes about one collection.",
        "",
        "## First load (cold cache, `/?paused=1`: exactly one /data)",
        "",
        "| Resource | Status | Body | Headers |",
        "|---|---|---:|---:|",
    ]
    for r in sorted(rows, key=lambda r: -r["body"]):
        lines.append(f"| `{r['path']}` | {r['status']} | {r['body']:,} B | {r['headers']:,} B |")
    lines += [
        f"| **total: {len(rows)} requests** | | **{total_body:,} B ({kib(total_body)})** | "
        f"{total_headers:,} B |",
        "",
        f"Page assets (HTML and static files, without the JSON calls): "
        f"{sum(r['body'] for r in static):,} B in {len(static)} requests (uncompressed; the server does not "
        f"gzip static files). Load to first data rendered: {weight['ready_ms']:.0f} ms.",
        "",
        *open_pages(pages, missing, args.minutes),
        "## /data",
        "",
        "| Case | Processes | /data size | gzip -6 | Top rows | Round trip median | p95 | Collection (median) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in (("normal", normal), (f"+{args.extra} idle `sleep`", loaded)):
        lines.append(
            f"| {name} | {r['processes']} | {r['size']:,} B | {r['gzip']:,} B | {r['top_rows']} | "
            f"{r['median_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {r['collect_ms']:.1f} ms |"
        )
    lines += [
        "",
        f"{args.calls} sequential calls per case on one keep-alive connection over loopback, after 5 warm-up "
        "calls. Round trip = client-measured time per GET /data (collection, rates, alerts, JSON, HTTP); "
        "collection = sum of the collectors' own durations reported in /data.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text)
        print(f"written to {RESULTS.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
