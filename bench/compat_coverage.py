"""Dashboard 1860 and node-mixin coverage, ours against Debian's node_exporter on this host.

Usage: .venv/bin/python bench/compat_coverage.py   (needs prometheus and prometheus-node-exporter)
Prints the summary and every target, alert input and recording rule that has data with
node_exporter but not with ours. tests/stack/test_node_compat.py asserts that list is empty.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.compat import side_by_side  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        cov = side_by_side(Path(tmp))
    print(cov.summary())
    for title, items in (("panel targets", cov.panels_missing), ("alert inputs", cov.alerts_missing),
                         ("recording rules", cov.rules_missing)):
        print(f"\n{len(items)} {title} with node_exporter data but none for ours:")
        for item in items:
            print("  " + item.replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
