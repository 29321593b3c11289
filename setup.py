"""Build hook: the wheel and the sdist carry the front-end assets (uPlot), fetched at build time.

Everything else is in pyproject.toml. The files are not in the repository; they come from the
npm registry at the version pinned in package-lock.json, so a package built from a checkout
(`pip install .`, `pipx install .`, `make dist`, `python -m build`) serves a complete page and
installing it needs no npm. Where they come from, in order:

1. `exporter/web/static/vendor/` when it holds every file and its stamp names this lock file
   (after `make vendor`, or in an unpacked sdist): copied, no npm needed;
2. otherwise `npm ci` in a temporary directory from package.json + package-lock.json.

Without npm in case 2 the build stops with one line naming the missing tool.
"""

from __future__ import annotations

import hashlib
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
VENDOR_IN_PACKAGE = Path("exporter", "web", "static", "vendor")
STAMP = ".package-lock.sha256"  # a dot file: not matched by the package-data globs, never served by name
_assets = runpy.run_path(str(ROOT / "exporter" / "web" / "assets.py"))
VENDOR_FILES: dict[str, str] = _assets["VENDOR_FILES"]


class AssetsError(SystemExit):
    """One line on stderr and a failed build (SystemExit: setuptools prints no traceback for it)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"sysmon-exporter build: {message}")


def _lock_digest() -> str:
    lock = ROOT / "package-lock.json"
    if not lock.is_file():
        raise AssetsError("package-lock.json is missing: the front-end assets cannot be fetched")
    return hashlib.sha256(lock.read_bytes()).hexdigest()


def _vendored_current(vendor: Path, digest: str) -> bool:
    stamp = vendor / STAMP
    return (stamp.is_file() and stamp.read_text().strip() == digest
            and all((vendor / name).is_file() for name in VENDOR_FILES))


def _npm_ci(workdir: Path) -> Path:
    """`npm ci` of our package.json/package-lock.json in `workdir`; returns its node_modules."""
    npm = shutil.which("npm")
    if not npm:
        raise AssetsError("npm not found: it fetches uPlot at the pinned version "
                          "(Debian: apt-get install npm), or run `make vendor` first")
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(ROOT / name, workdir / name)
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                          cwd=workdir, capture_output=True, text=True, env={**os.environ, "NODE_ENV": "production"})
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise AssetsError(f"npm ci failed ({done.returncode}): {last}")
    return workdir / "node_modules"


def install_assets(dest: Path) -> None:
    """Put every vendored file and the stamp into `dest` (emptied first, so no stale file ships)."""
    digest = _lock_digest()
    source_vendor = ROOT / VENDOR_IN_PACKAGE
    if dest.resolve() != source_vendor.resolve() and dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if _vendored_current(source_vendor, digest):
        sources = {name: source_vendor / name for name in VENDOR_FILES}
        if dest.resolve() != source_vendor.resolve():
            _copy(sources, dest, digest)
        return
    with tempfile.TemporaryDirectory(prefix="sysmon-assets-") as tmp:
        modules = _npm_ci(Path(tmp))
        sources = {name: modules / src for name, src in VENDOR_FILES.items()}
        missing = [str(p) for p in sources.values() if not p.is_file()]
        if missing:
            raise AssetsError(f"npm ci did not install {', '.join(missing)}: check package-lock.json")
        _copy(sources, dest, digest)


def _copy(sources: dict[str, Path], dest: Path, digest: str) -> None:
    for name, src in sources.items():
        shutil.copyfile(src, dest / name)
    (dest / STAMP).write_text(digest + "\n")


class BuildPyWithAssets(build_py):
    """build_py, then the assets into the wheel (into the source tree for an editable install)."""

    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            install_assets(Path(self.build_lib) / VENDOR_IN_PACKAGE)
            return
        # A checkout: `make vendor` also fills the folder, and the server says what is missing,
        # so a checkout without npm still installs (for `make test-unit`, say).
        try:
            install_assets(ROOT / VENDOR_IN_PACKAGE)
        except AssetsError as e:
            print(f"warning: {e.code}; the page will have no charts until `make vendor`", file=sys.stderr)


class SdistWithAssets(sdist):
    """sdist whose tree carries the assets and their stamp, so a wheel built from it needs no npm."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        install_assets(Path(base_dir) / VENDOR_IN_PACKAGE)


setup(cmdclass={"build_py": BuildPyWithAssets, "sdist": SdistWithAssets})
