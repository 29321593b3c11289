"""The front-end libraries the page needs, which are not in the repository.

uPlot comes from the npm registry at the version pinned in package-lock.json. It is copied
into `static/vendor/` by `make vendor` (a checkout) or by the package build (setup.py runs
`npm ci` and puts the files into the wheel and the sdist), so the server never depends on a
CDN. This module is the one list of those files, read by all three and by the server, which
says at start (and the page says on screen) when one is missing instead of drawing nothing.

Stdlib only and free of package imports: setup.py and the Makefile run it by path, before
the package or its dependencies are installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

# File served under /static/vendor/ → its path inside node_modules.
VENDOR_FILES: dict[str, str] = {
    "uPlot.esm.js": "uplot/dist/uPlot.esm.js",
    "uPlot.min.css": "uplot/dist/uPlot.min.css",
}

VENDOR_DIR = Path(__file__).parent / "static" / "vendor"

# What to tell someone whose package or checkout lacks them.
HOW_TO_FIX = ("run `make vendor` in a checkout (needs npm), or install a wheel built by `make dist` "
              "or `pip install .` (the build fetches them)")


def missing_assets(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """Names of the vendored files that are not there (empty when the page is complete)."""
    return [name for name in VENDOR_FILES if not (vendor_dir / name).is_file()]


def main(argv: list[str]) -> int:
    """`python exporter/web/assets.py --sources`: the node_modules paths, for the Makefile's cp."""
    if argv != ["--sources"]:
        print("usage: assets.py --sources", file=sys.stderr)
        return 2
    print(" ".join(f"node_modules/{src}" for src in VENDOR_FILES.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
