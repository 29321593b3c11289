"""Directory scan benchmark: our walk vs `du -x --max-depth=1` and `du -ax | sort -rn | head`.

Generates ~200,000 files in ~10,000 directories under /tmp/sysmon-bench-tree (reused
when present; pass --clean to remove it afterwards), warms the cache, then times each
command 5 times and reports the median. No shell: the du | sort | head pipeline is
three Popen objects connected by pipes. Writes bench/RESULTS-dirsize.md.

    .venv/bin/python bench/bench_dirsize.py [--files 200000] [--dirs 10000] [--runs 5] [--clean]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exporter.dirsize.scanner import scan  # noqa: E402

TREE = Path("/tmp/sysmon-bench-tree")
RESULTS = Path(__file__).with_name("RESULTS-dirsize.md")


def generate(root: Path, n_files: int, n_dirs: int) -> None:
    marker = root / f".complete-{n_files}-{n_dirs}"
    if marker.exists():
        return
    if root.exists():
        shutil.rmtree(root)
    print(f"generating {n_files:,} files in {n_dirs:,} directories under {root} ...", file=sys.stderr)
    rnd = random.Random(42)
    root.mkdir(parents=True)
    dirs = [root]
    for i in range(1, n_dirs):
        # mostly attach to recent directories: depth up to ~30, like real trees
        lo = max(0, len(dirs) - 2000) if len(dirs) > 50 else 0
        parent = dirs[rnd.randrange(lo, len(dirs))]
        d = parent / f"d{i}"
        d.mkdir()
        dirs.append(d)
    sizes = (0, 100, 3000, 5000, 20000)
    for i in range(n_files):
        size = rnd.choice(sizes) if rnd.random() > 0.001 else rnd.randrange(1, 5_000_000)
        with open(dirs[rnd.randrange(len(dirs))] / f"f{i}", "wb") as f:
            if size:
                f.write(b"x" * size)
    marker.touch()


def run_ours(root: Path) -> None:
    r = scan(root, top_n=20)
    assert r.status == "ok"


def run_du_depth1(root: Path) -> None:
    subprocess.run(["du", "-x", "--max-depth=1", str(root)], stdout=subprocess.DEVNULL, check=True)


def run_du_sort_head(root: Path) -> None:
    du = subprocess.Popen(["du", "-ax", str(root)], stdout=subprocess.PIPE)
    sort = subprocess.Popen(["sort", "-rn"], stdin=du.stdout, stdout=subprocess.PIPE)
    assert du.stdout is not None and sort.stdout is not None
    du.stdout.close()  # sort owns it now; du gets SIGPIPE if sort exits
    head = subprocess.Popen(["head", "-n", "20"], stdin=sort.stdout, stdout=subprocess.DEVNULL)
    sort.stdout.close()
    head.wait()
    sort.wait()
    du.wait()


def run_du_all_parsed(root: Path) -> None:
    """The alternative design: `du -x -B1 -a -0` (one line per entry) parsed into top-N heaps in Python."""
    import heapq

    du = subprocess.Popen(["du", "-x", "-B1", "-a", "-0", str(root)], stdout=subprocess.PIPE)
    assert du.stdout is not None
    top: list[tuple[int, bytes]] = []
    carry = b""
    while chunk := du.stdout.read(1 << 20):
        lines = (carry + chunk).split(b"\0")
        carry = lines.pop()
        for line in lines:
            tab = line.index(b"\t")
            size = int(line[:tab])
            if len(top) < 20:
                heapq.heappush(top, (size, line[tab + 1 :]))
            elif size > top[0][0]:
                heapq.heapreplace(top, (size, line[tab + 1 :]))
    du.wait()


def median_time(fn: Callable[[Path], None], root: Path, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(root)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=200_000)
    ap.add_argument("--dirs", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--clean", action="store_true")
    args = ap.parse_args()
    for tool in ("du", "sort", "head"):
        if shutil.which(tool) is None:
            print(f"{tool} not found (install coreutils)", file=sys.stderr)
            return 2
    generate(TREE, args.files, args.dirs)
    run_du_depth1(TREE)  # warm the dentry/inode caches
    run_ours(TREE)
    cases = [
        ("our scan (os.scandir walk, top 20 dirs + files)", run_ours),
        ("`du -x --max-depth=1 DIR`", run_du_depth1),
        ("`du -ax DIR | sort -rn | head -n 20`", run_du_sort_head),
        ("`du -x -B1 -a -0 DIR` parsed in Python (alternative design)", run_du_all_parsed),
    ]
    rows = []
    for name, fn in cases:
        med, times = median_time(fn, TREE, args.runs)
        rows.append((name, med, times))
        print(f"{name}: median {med:.3f}s", file=sys.stderr)
    base = rows[1][1]
    lines = [
        "| command | median (s) | runs (s) | vs `du -x --max-depth=1` |",
        "|---|---:|---|---:|",
    ]
    for name, med, times in rows:
        cell = name.replace("|", "\\|")
        runs = ", ".join(f"{t:.2f}" for t in times)
        lines.append(f"| {cell} | {med:.3f} | {runs} | {med / base:.2f}x |")
    table = "\n".join(lines)
    print(table)
    header = (
        f"Tree: {args.files:,} files in {args.dirs:,} directories (depth up to ~30), warm cache, "
        f"median of {args.runs} runs. Host: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {du_version()}."
    )
    update_results(header, table)
    if args.clean:
        shutil.rmtree(TREE)
    return 0


def du_version() -> str:
    return subprocess.run(["du", "--version"], capture_output=True, text=True).stdout.splitlines()[0]


def update_results(header: str, table: str) -> None:
    """Replace the measured section of RESULTS-dirsize.md, keeping the written reasoning."""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    block = f"{start}\n{header}\n\n{table}\n{end}"
    text = RESULTS.read_text() if RESULTS.exists() else f"# Directory scan benchmark\n\n{block}\n"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    RESULTS.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
