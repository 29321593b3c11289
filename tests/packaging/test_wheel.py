"""The package as a user installs it: a wheel built from a checkout carries the page's assets.

The wheel is built from a copy of the working tree without `exporter/web/static/vendor/`, so
the build hook (setup.py) must fetch uPlot itself with `npm ci`; it is installed into an
empty venv with no npm on PATH, started, and every asset the page references (index.html,
then each stylesheet and JS module import, recursively) must answer 200, and real Chromium
must draw the charts.

No network beyond loopback in a test: the build runs without build isolation (setuptools
from the test venv), and the empty venv gets the wheel alone (`--no-deps`); its dependencies
(Werkzeug, cheroot, ...) resolve from the test venv through a path line appended after its own
site-packages, so `exporter` itself can only come from the wheel (checked). npm's registry
fetch is the one exception the build step is about (npm ci uses its cache when warm).
"""

from __future__ import annotations

import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.parse
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from exporter.web.assets import VENDOR_FILES
from tests.support.servers import REPO, free_port, http_get, terminate, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

VENDOR = "exporter/web/static/vendor"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def run(args: list[str], timeout: float = 180, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)  # type: ignore[call-overload]


def no_npm_env(tmp: Path) -> dict[str, str]:
    """PATH with nothing on it but an empty directory: no npm, no node."""
    empty = tmp / "empty-bin"
    empty.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(empty)}


# What a fresh clone does not have: built, fetched or cached things (no git needed to skip them).
_NOT_IN_A_CLONE = shutil.ignore_patterns(".git", ".venv", "node_modules", "vendor", "build", "dist", "*.egg-info",
                                         "__pycache__", ".*_cache", "test-artifacts")


def checkout_copy(dest: Path) -> Path:
    """The working tree as a fresh clone has it: no vendor dir, nothing built."""
    shutil.copytree(REPO, dest, ignore=_NOT_IN_A_CLONE)
    return dest


def build_wheel(source: Path, outdir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                "-q", "-w", str(outdir), str(source)], env=env)


def wheel_vendor_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as z:
        return {n.removeprefix(VENDOR + "/") for n in z.namelist() if n.startswith(VENDOR + "/")}


def empty_venv(where: Path, wheel: Path, tmp: Path) -> Path:
    """A venv without pip holding the wheel alone, dependencies borrowed from the test venv."""
    run([sys.executable, "-m", "venv", "--without-pip", str(where)], timeout=60).check_returncode()
    python = where / "bin" / "python"
    done = run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                str(wheel)], env={**no_npm_env(tmp), "PIP_NO_INPUT": "1"})
    assert done.returncode == 0, done.stderr
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    Path(purelib, "zz-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return where


@dataclass
class Installed:
    venv: Path
    url: str
    log: Path
    proc: subprocess.Popen[bytes]


def start_installed(venv: Path, tmp: Path) -> Installed:
    port = free_port()
    cfg = tmp / f"config-{port}.yml"
    cfg.write_text("dirsize: {enabled: false}\n")
    log = tmp / f"server-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(venv / "bin" / "sysmon-exporter"), "serve", "--listen", f"127.0.0.1:{port}",
                                 "--config", str(cfg), "--no-history"],
                                cwd=tmp, stdout=out, stderr=subprocess.STDOUT, env=no_npm_env(tmp))
    inst = Installed(venv, f"http://127.0.0.1:{port}", log, proc)

    def healthy() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"installed server exited: {log.read_text()[-2000:]}")
        return http_get(inst.url + "/healthz", timeout=1)[0] == 200

    wait_until(healthy, 30, what=f"the installed server (log {log})")
    return inst


def stop(inst: Installed) -> None:
    terminate(inst.proc, timeout=10)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a checkout without vendored assets (the hook runs `npm ci`)."""
    if not shutil.which("npm"):
        pytest.skip("npm not installed: sudo apt-get install npm")
    tmp = tmp_path_factory.mktemp("wheel")
    source = checkout_copy(tmp / "src")
    done = build_wheel(source, tmp / "dist")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = (tmp / "dist").glob("sysmon_exporter-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    tmp = tmp_path_factory.mktemp("installed")
    inst = start_installed(empty_venv(tmp / "venv", built, tmp), tmp)
    yield inst
    stop(inst)


def test_the_wheel_carries_every_vendored_file(built: Path) -> None:
    assert set(VENDOR_FILES) <= wheel_vendor_files(built)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    where = run([str(installed.venv / "bin" / "python"), "-c", "import exporter; print(exporter.__file__)"],
                cwd=installed.venv).stdout.strip()
    assert Path(where).is_relative_to(installed.venv), where
    assert "assets missing" not in installed.log.read_text()


class _PageRefs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        ref = a.get("src") if tag == "script" else a.get("href") if tag == "link" else None
        if ref and not ref.startswith("data:"):
            self.refs.append(ref)


_JS_IMPORT = re.compile(r"""(?:\bimport\s*(?:[\w*{}\s,$]+\sfrom\s*)?|\bexport\s*[\w*{}\s,$]+\sfrom\s*|\bimport\s*\()"""
                        r"""\s*["']([^"']+)["']""")
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']""")


def referenced_assets(base: str) -> dict[str, int]:
    """Every same-origin URL the page needs, found from index.html down, with its status."""
    status, body, _ = http_get(base + "/")
    assert status == 200
    parser = _PageRefs()
    parser.feed(body.decode())
    todo = [urllib.parse.urljoin(base + "/", r) for r in parser.refs]
    seen: dict[str, int] = {}
    while todo:
        url = todo.pop()
        if url in seen or not url.startswith(base):
            continue
        status, body, _ = http_get(url)
        seen[url] = status
        text = body.decode(errors="replace") if status == 200 else ""
        if url.endswith((".js", ".mjs")):
            found = _JS_IMPORT.findall(text)
        elif url.endswith(".css"):
            found = [a or b for a, b in _CSS_URL.findall(text)]
        else:
            found = []
        todo.extend(urllib.parse.urljoin(url, f) for f in found if not f.startswith("data:"))
    return seen


def test_every_asset_the_page_references_is_served(installed: Installed) -> None:
    assets = referenced_assets(installed.url)
    assert any("/static/vendor/" in u for u in assets), assets  # the chart library is among them
    assert {u: s for u, s in assets.items() if s != 200} == {}


# Run in a child process: the page tests' session keeps a sync Playwright (and its asyncio loop)
# open in this one, and Playwright's sync API cannot start inside a running loop.
_DRAW_CHARTS = """
import json, sys
from playwright.sync_api import sync_playwright
url, chromium, args = sys.argv[1], sys.argv[2], sys.argv[3:]
errors = []
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=args)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('.uplot canvas').length >= 3", timeout=20_000)
    notice = page.locator("#assets-missing").count()
    charts = page.locator(".uplot canvas").count()
    browser.close()
print(json.dumps({"errors": errors, "notice": notice, "charts": charts}))
"""


@pytest.mark.browser
def test_chromium_draws_the_charts_from_the_installed_package(installed: Installed) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed at /usr/bin/chromium: sudo apt-get install chromium")
    pytest.importorskip("playwright.sync_api", reason="playwright not installed: pip install -e '.[test]'")
    done = run([sys.executable, "-c", _DRAW_CHARTS, installed.url + "/", str(CHROMIUM), *LAUNCH_ARGS], timeout=90)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["charts"] >= 3 and seen["notice"] == 0 and seen["errors"] == [], seen


def test_missing_assets_are_logged_at_start_and_shown_on_the_page(built: Path, tmp_path: Path) -> None:
    venv = empty_venv(tmp_path / "venv", built, tmp_path)
    purelib = run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    shutil.rmtree(Path(purelib.stdout.strip(), VENDOR))
    inst = start_installed(venv, tmp_path)
    try:
        log = inst.log.read_text()
        assert "front-end assets missing" in log and "uPlot.min.css" in log, log
        status, body, _ = http_get(inst.url + "/")
        assert status == 200 and b'id="assets-missing"' in body and b"make vendor" in body
    finally:
        stop(inst)


def test_without_npm_the_build_fails_with_one_line_naming_it(tmp_path: Path) -> None:
    source = checkout_copy(tmp_path / "src")
    done = build_wheel(source, tmp_path / "dist", env=no_npm_env(tmp_path))
    assert done.returncode != 0
    ours = [line.strip() for line in (done.stdout + done.stderr).splitlines() if "sysmon-exporter build:" in line]
    assert ours == ["sysmon-exporter build: npm not found: it fetches uPlot at the pinned version "
                    "(Debian: apt-get install npm), or run `make vendor` first"], done.stdout + done.stderr


def test_the_sdist_carries_the_assets_so_its_wheel_needs_no_npm(tmp_path: Path) -> None:
    pytest.importorskip("build", reason="build not installed: pip install -e '.[test]'")
    if not shutil.which("npm"):
        pytest.skip("npm not installed: sudo apt-get install npm")
    source = checkout_copy(tmp_path / "src")
    done = run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(tmp_path / "sdist"),
                str(source)])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = (tmp_path / "sdist").glob("sysmon_exporter-*.tar.gz")
    wheel = build_wheel(sdist, tmp_path / "dist", env=no_npm_env(tmp_path))
    assert wheel.returncode == 0, wheel.stdout[-3000:] + wheel.stderr[-3000:]
    (whl,) = (tmp_path / "dist").glob("sysmon_exporter-*.whl")
    assert set(VENDOR_FILES) <= wheel_vendor_files(whl)
