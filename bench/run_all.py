"""Run every benchmark in one go, then copy their results into the README.

Each bench writes bench/RESULTS-<name>.md; the README's "Benchmarks" section is
rebuilt from those files between the BENCHMARKS markers.

    python bench/run_all.py              # everything (about 25 minutes with the soak)
    python bench/run_all.py --readme     # only copy the existing results into the README
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"

# (script, arguments, results file, heading)
BENCHES = [
    ("bench_scrape.py", ["--scaling"], "RESULTS-scrape.md", "Scrape cost against node_exporter and process-exporter"),
    ("bench_steady.py", ["--duration", "60"], "RESULTS-steady.md", "Steady state"),
    ("bench_memory.py", [], "RESULTS-memory.md", "Memory"),
    ("bench_page.py", [], "RESULTS-page.md", "The page"),
    ("bench_dirsize.py", [], "RESULTS-dirsize.md", "Directory scans"),
    ("bench_history.py", [], "RESULTS-history.md", "History"),
    ("bench_notify.py", [], "RESULTS-notify.md", "Alert notifications"),
    ("load.py", ["--duration", "60"], "RESULTS-load.md", "Load"),
]


def update_readme() -> None:
    parts = []
    for _script, _args, results, heading in BENCHES:
        path = HERE / results
        body = path.read_text().strip() if path.exists() else "_not run yet_"
        body = re.sub(r"^#+ .*\n+", "", body, count=1)  # the section has its own heading
        body = re.sub(r"^(#+) ", lambda m: "#" * max(4, len(m.group(1))) + " ", body, flags=re.M)
        parts.append(f"### {heading}\n\n_From `bench/{results}`._\n\n{body}\n")
    text = README.read_text()
    start, end = "<!-- BENCHMARKS -->", "<!-- /BENCHMARKS -->"
    if end not in text:
        text = text.replace(start, f"{start}\n{end}")
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    README.write_text(before + start + "\n\n" + "\n".join(parts) + "\n" + end + after)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readme", action="store_true", help="only rebuild the README section")
    args = ap.parse_args()
    if not args.readme:
        for script, extra, _results, heading in BENCHES:
            print(f"== {heading}: {script} {' '.join(extra)}", flush=True)
            subprocess.run([sys.executable, str(HERE / script), *extra], check=True, cwd=HERE.parent)
    update_readme()
    print(f"updated {README}")


if __name__ == "__main__":
    main()
