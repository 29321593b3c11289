"""Where a scrape's time goes: py-spy samples the running exporter while it is scraped.

Starts our exporter (sample_max_age 0, so every scrape collects) with `--extra` idle
processes, scrapes it back to back from this process (no fork per request, which
would force a /proc listing every time), records it with py-spy for `--seconds`, and
prints the frames with the most samples, by their own time and including callees.
Idle threads (waiting on a queue, a condition or select) are left out, so the
percentages are of the time spent serving.

    python bench/profile_scrape.py [--extra 1000] [--seconds 8] [--top 25] [--layout services|one] [--config YAML]

Needs py-spy (`pip install -e '.[bench]'`) and the right to ptrace the exporter (root,
or kernel.yama.ptrace_scope=0). The raw samples stay in the file named at the end.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from common import get, idle_processes, ours

IDLE_FRAMES = ("Queue.get", "Condition.wait", "select", "Event.wait")


def summarize(raw: Path, top: int) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    busy = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not frames or any(idle in frames[-1] for idle in IDLE_FRAMES):
            continue
        n = int(count)
        busy += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not busy:
        return "no busy samples recorded"
    lines = [f"{busy} busy samples", "", "own time:"]
    lines += [f"  {100 * n / busy:5.1f} %  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "including callees:"]
    lines += [f"  {100 * n / busy:5.1f} %  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--extra", type=int, default=1000, help="idle processes added (default 1000)")
    ap.add_argument("--seconds", type=float, default=8.0, help="how long py-spy records (default 8)")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--layout", choices=("services", "one"), default="services",
                    help="idle processes in service cgroups of 20 (default) or all in one cgroup")
    ap.add_argument("--config", default="", help="YAML lines added to the exporter's config "
                    "(e.g. 'processes: {enabled: false}' to see the rest of a scrape on a busy host)")
    args = ap.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        sys.exit("py-spy not found: pip install -e '.[bench]'")

    with tempfile.TemporaryDirectory() as tmp, idle_processes(
        args.extra, lifetime=int(args.seconds) + 120, layout=args.layout
    ):
        cfg = Path(tmp) / "sysmon.yml"
        cfg.write_text("sample_max_age: 0s\ndirsize: {enabled: false}\n" + args.config)
        raw = Path(tempfile.gettempdir()) / "sysmon-scrape-profile.txt"
        with ours(cfg) as server:
            stop = threading.Event()
            scrapes = [0]

            def scrape() -> None:
                while not stop.is_set():
                    get(server.url + "/metrics")
                    scrapes[0] += 1

            client = threading.Thread(target=scrape, daemon=True)
            client.start()
            time.sleep(1.0)  # past the first collections
            result = subprocess.run(
                [spy, "record", "--rate", "1000", "--duration", str(int(args.seconds)), "--pid", str(server.pid),
                 "--format", "raw", "--output", str(raw), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
            )
            stop.set()
            client.join(5)
        if result.returncode != 0 or not raw.exists():
            sys.exit(f"py-spy failed: {result.stderr.strip().splitlines()[-1:] or result.returncode}")
        print(f"{scrapes[0]} scrapes with {args.extra} extra idle processes\n")
        print(summarize(raw, args.top))
        print(f"\nraw samples: {raw}")


if __name__ == "__main__":
    main()
