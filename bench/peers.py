"""The pages the dashboard is measured against, started on loopback for the page bench.

Each peer is what a user gets by default (its own refresh, its own collectors), started
only while its page is measured so that its collectors do not load the host while another
page is timed. A peer that is not installed here raises `NotInstalled` with one line saying
why and how to install it; the bench reports that line instead of numbers.

- Glances: PyPI `glances[web]` in a venv of its own (never the project's), `glances -w`.
- netdata: Debian's `netdata`, run in the foreground as root with a netdata.conf in a
  temporary directory (its own port, RAM database, no registry, no cloud, no anonymous
  statistics), not as the system service.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from common import free_port, get, wait_http

GLANCES_VENV = Path("/tmp/glances-venv")
GLANCES_INSTALL = f"python3 -m venv {GLANCES_VENV} && {GLANCES_VENV}/bin/pip install 'glances[web]'"


class NotInstalled(Exception):
    """One line: why this peer cannot run here."""


class Peer:
    """A peer's web server: `with peer.started(workdir) as url:` serves its page on 127.0.0.1."""

    name = ""
    refresh = ""  # the page's default refresh, as the peer documents it
    first_data = ""  # JS predicate: the page shows its first number
    version = ""
    ready_path = "/"  # answers 200 once the page would show data: a page opened earlier stays empty


    def command(self, workdir: Path, port: int) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError

    def wait_ready(self, url: str) -> None:
        wait_http(url + self.ready_path, timeout=60)

    @contextlib.contextmanager
    def started(self, workdir: Path) -> Iterator[str]:
        port = free_port()
        args, env = self.command(workdir, port)
        log = open(workdir / f"{self.name}.log", "wb")  # noqa: SIM115
        # A session of its own: netdata forks plugins, and stopping the group stops them all.
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir,
                                env={**os.environ, **env}, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                self.wait_ready(url)
            except RuntimeError as e:
                raise NotInstalled(f"started but not ready within 60 s: {e}") from e
            yield url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            log.close()


def _version(args: list[str], prefix: str) -> str:
    out = subprocess.run(args, capture_output=True, text=True, timeout=30).stdout
    for line in out.splitlines():
        if line.lower().startswith(prefix):
            return line.split()[-1].lstrip("v")
    return "?"


class Glances(Peer):
    name = "Glances"
    refresh = "2 s"
    ready_path = "/api/4/cpu"
    first_data = r"() => { const e = document.querySelector('#cpu'); return !!e && /\d%/.test(e.textContent) }"

    def __init__(self, binary: Path) -> None:
        if not binary.exists():
            raise NotInstalled(f"{binary} missing (install: {GLANCES_INSTALL})")
        probe = subprocess.run([str(binary.parent / "python"), "-c", "import fastapi, uvicorn"],
                               capture_output=True, timeout=30)
        if probe.returncode:
            raise NotInstalled(f"{binary} has no web UI: fastapi/uvicorn missing (pip install 'glances[web]')")
        self.binary = binary
        self.version = _version([str(binary), "--version"], "glances version")

    def command(self, workdir: Path, port: int) -> tuple[list[str], dict[str, str]]:
        # Its own config directory and log: nothing read from or written to the user's ~/.config.
        return ([str(self.binary), "-w", "-B", "127.0.0.1", "-p", str(port), "--disable-check-update"],
                {"XDG_CONFIG_HOME": str(workdir / "glances-config"), "XDG_DATA_HOME": str(workdir / "glances-data"),
                 "XDG_STATE_HOME": str(workdir / "glances-data")})


class Netdata(Peer):
    name = "netdata"
    refresh = "1 s"

    def wait_ready(self, url: str) -> None:
        """Until its chart list has not grown for 8 s: the dashboard reads the list once on load, and opened
        before the plugins have registered their charts its gauges stay "-" (seen for 50 s; here the list
        grew until about 9 s after start, and pages opened from 14 s on showed numbers)."""
        deadline = time.monotonic() + 60
        counts: list[int] = []
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                counts.append(len(json.loads(get(url + "/api/v1/charts", timeout=5))["charts"]))
            if len(counts) >= 5 and counts[-1] == counts[-5] and counts[-1] > 0:
                return
            time.sleep(2)
        raise RuntimeError(f"chart counts {counts}")
    first_data = ("() => [...document.querySelectorAll('.easyPieChartLabel, .gaugeChartLabel')]"
                  ".some(e => /\\d/.test(e.textContent))")

    def __init__(self) -> None:
        binary = shutil.which("netdata") or ("/usr/sbin/netdata" if Path("/usr/sbin/netdata").exists() else None)
        if not binary:
            raise NotInstalled("no netdata binary (install: apt-get install -y netdata)")
        if os.geteuid() != 0:
            raise NotInstalled("netdata's collectors need root here (run the bench as root)")
        self.binary = binary
        self.version = _version([binary, "-v"], "netdata")

    def command(self, workdir: Path, port: int) -> tuple[list[str], dict[str, str]]:
        root = workdir / "netdata"
        dirs = {d: root / d for d in ("cache", "lib", "log", "run")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        conf = root / "netdata.conf"
        conf.write_text(
            "[global]\n\trun as user = root\n\thostname = bench-netdata\n"
            "[db]\n\tmode = ram\n"
            "[directories]\n" + "".join(f"\t{k} = {v}\n" for k, v in dirs.items()) +
            f"[logs]\n\tdebug = {dirs['log']}/debug.log\n\terror = {dirs['log']}/error.log\n\taccess = none\n"
            f"[web]\n\tbind to = 127.0.0.1:{port}\n"
            "[registry]\n\tenabled = no\n"
            "[cloud]\n\tenabled = no\n"
        )
        return [self.binary, "-D", "-c", str(conf), "-P", str(dirs["run"] / "netdata.pid")], {"DO_NOT_TRACK": "1"}


def available(glances: Path) -> tuple[list[Peer], dict[str, str]]:
    """The peers that can run here, and for the others the one-line reason."""
    peers: list[Peer] = []
    missing: dict[str, str] = {}
    for name, make in (("Glances", lambda: Glances(glances)), ("netdata", Netdata)):
        try:
            peers.append(make())
        except NotInstalled as e:
            missing[name] = f"not installed: {e}"
    return peers, missing
