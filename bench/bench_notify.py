"""What the notifier costs the Sampler's thread, and how fast its thread delivers.

`on_reading` runs on the Sampler's thread for every Reading (after the alert engine); it must stay
small, since a scrape or a /data request may be the caller. Measured with no active alert (the common
case), with 10 firing alerts (memory, swap and 8 filesystems in both severities...), and the thread's
delivery of one Alertmanager batch and one webhook message to a receiver in this process on 127.0.0.1.

    .venv/bin/python bench/bench_notify.py [--readings 5000]

Prints a Markdown table and writes bench/RESULTS-notify.md.
"""

from __future__ import annotations

import argparse
import http.server
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exporter.alerting.engine import AlertEngine  # noqa: E402
from exporter.alerting.notify import build_notifier  # noqa: E402
from exporter.config import Config, config_from_dict  # noqa: E402
from exporter.sampling.reading import make_reading  # noqa: E402
from exporter.sampling.snapshot import Filesystem, LoadAvg, Memory, Snapshot  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS-notify.md")
LOW = {"warning": 0.5, "critical": 0.6, "for": "0s"}  # 90 % used fires both severities at once
GIB = 1024**3
START = 1_900_000_000.0


def snapshot(seq: int, used: float) -> Snapshot:
    """Memory, swap and 8 filesystems all `used` full."""
    total = 16 * GIB
    memory = Memory({"MemTotal": total, "MemFree": 0, "MemAvailable": int(total * (1 - used)),
                     "SwapTotal": total, "SwapFree": int(total * (1 - used)), "HugePages_Total": 0},
                    frozenset({"HugePages_Total"}))
    fss = tuple(Filesystem(f"/dev/vd{chr(97 + i)}", f"/srv/{i}", "ext4", size=100 * GIB,
                           free=int(100 * GIB * (1 - used)), avail=int(100 * GIB * (1 - used))) for i in range(8))
    return Snapshot(timestamp=START + seq, monotonic=START + seq, load=LoadAvg(0.1, 0.1, 0.1), memory=memory,
                    filesystems=fss, seq=seq)


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def config(workdir: Path, **notify: object) -> Config:
    return config_from_dict({"data_dir": str(workdir),
                             "alerts": {"memory": LOW, "swap": LOW, "filesystem": LOW, "notify": notify}})


def per_reading_us(used: float, n: int, url: str, workdir: Path, runs: int = 5) -> tuple[float, float, int]:
    """(engine µs, notifier µs, alerts tracked) per Reading, medians of `runs`; the notifier's thread is not
    started, so this is the Sampler thread's share alone (the due batches queue up, bounded)."""
    cfg = config(workdir, alertmanagers=[{"url": url}], webhooks=[{"url": url}])
    readings = [make_reading(None, snapshot(i + 1, used)) for i in range(n)]
    engine_runs, notifier_runs = [], []
    tracked = 0
    for _ in range(runs):
        engine = AlertEngine(cfg.alerts)
        notifier = build_notifier(cfg, engine, interval=10.0)
        assert notifier is not None
        spent_engine = spent_notifier = 0.0
        for r in readings:
            t0 = time.perf_counter()
            engine.on_reading(r)
            t1 = time.perf_counter()
            notifier.on_reading(r)
            spent_notifier += time.perf_counter() - t1
            spent_engine += t1 - t0
        engine_runs.append(spent_engine / n * 1e6)
        notifier_runs.append(spent_notifier / n * 1e6)
        tracked = len(notifier.tracked())
    return statistics.median(engine_runs), statistics.median(notifier_runs), tracked


def delivery_ms(url: str, workdir: Path, rounds: int = 50) -> tuple[float, float]:
    """Median ms of the thread's round that POSTs one Alertmanager batch (20 alerts) and of one that POSTs
    one webhook message per group (the first time, 10 groups)."""
    am_ms, hook_ms = [], []
    for k in range(rounds):
        cfg = config(workdir / str(k), alertmanagers=[{"url": url}])
        engine = AlertEngine(cfg.alerts)
        am = build_notifier(cfg, engine, interval=10.0)
        assert am is not None
        r = make_reading(None, snapshot(1, 0.9))
        engine.on_reading(r)
        am.on_reading(r)
        t = time.perf_counter()
        am.run_once(START)
        am_ms.append((time.perf_counter() - t) * 1000)
        cfg = config(workdir / f"h{k}", webhooks=[{"url": url}])
        engine = AlertEngine(cfg.alerts)
        hook = build_notifier(cfg, engine, interval=10.0)
        assert hook is not None
        engine.on_reading(r)
        hook.on_reading(r)
        t = time.perf_counter()
        hook.run_once(START)
        hook_ms.append((time.perf_counter() - t) * 1000)
        assert am.alertmanagers[0].sent == 1 and hook.webhooks[0].sent >= 1
    return statistics.median(am_ms), statistics.median(hook_ms)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--readings", type=int, default=5000)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/alerts"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for label, used in (("no active alert", 0.1), ("20 firing alerts (10 resources, both severities)", 0.9)):
            engine_us, notifier_us, tracked = per_reading_us(used, args.readings, url, workdir / label[:2])
            rows.append((f"Sampler thread per Reading, {label}: notifier.on_reading", f"{notifier_us:.1f} µs",
                         f"the alert engine before it: {engine_us:.1f} µs; {tracked} alerts tracked; median of 5"))
        am_ms, hook_ms = delivery_ms(url, workdir / "d")
        rows.append(("notifier thread: one Alertmanager batch of 20 alerts (POST + state write)", f"{am_ms:.2f} ms",
                     "median of 50, receiver on 127.0.0.1"))
        rows.append(("notifier thread: first webhook round, 10 messages (POSTs + state write)", f"{hook_ms:.2f} ms",
                     "median of 50, receiver on 127.0.0.1"))
    server.shutdown()
    load = os.getloadavg()[0]
    env = (f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
           f"{os.cpu_count()} CPUs, load average {load:.1f} during the run")
    lines = ["# Notifier benchmark (`bench/bench_notify.py`)", "", f"Environment: {env}.", "",
             "| measurement | result | notes |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows), ""]
    text = "\n".join(lines)
    print(text)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
