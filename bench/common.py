"""Shared bench helpers: start servers on loopback, read a process's CPU and RSS from /proc."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (its threads included) from /proc/PID/stat."""
    data = Path(f"/proc/{pid}/stat").read_bytes()
    rest = data[data.rindex(b")") + 2 :].split()
    return (int(rest[11]) + int(rest[12])) / TICKS


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def get(url: str, timeout: float = 30.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return bytes(r.read())


def wait_http(url: str, timeout: float = 20.0) -> float:
    """Seconds until `url` answers 200."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            get(url, timeout=1)
            return time.monotonic() - start
        except OSError:
            time.sleep(0.005)
    raise RuntimeError(f"{url} did not come up in {timeout}s")


class Server:
    def __init__(self, name: str, args: list[str], url: str, ready_path: str = "/metrics",
                 env: dict[str, str] | None = None) -> None:
        self.name, self.args, self.url, self.ready_path, self.env = name, args, url, ready_path, env
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
                                     env=self.env)
        self.startup_seconds = wait_http(self.url + self.ready_path)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


def ours(config_path: Path, port: int | None = None, data_dir: Path | None = None) -> Server:
    """Our exporter with `config_path`; history in `data_dir` (as a user gets it), or none."""
    port = port or free_port()
    history = ["--data-dir", str(data_dir)] if data_dir is not None else ["--no-history"]
    return Server("sysmon-exporter", [sys.executable, "-m", "exporter", "serve", *history, "--config",
                                      str(config_path), "--listen", f"127.0.0.1:{port}"], f"http://127.0.0.1:{port}")


def node_exporter() -> Server | None:
    binary = shutil.which("prometheus-node-exporter")
    if not binary:
        return None
    port = free_port()
    return Server("node_exporter", [binary, f"--web.listen-address=127.0.0.1:{port}", "--log.level=error"],
                  f"http://127.0.0.1:{port}")


def process_exporter(workdir: Path) -> Server | None:
    binary = shutil.which("prometheus-process-exporter")
    if not binary:
        return None
    cfg = workdir / "process-exporter.yml"
    cfg.write_text('process_names:\n  - name: "{{.Comm}}"\n    cmdline: [".+"]\n')
    port = free_port()
    return Server("process-exporter", [binary, f"-web.listen-address=127.0.0.1:{port}", "-config.path", str(cfg)],
                  f"http://127.0.0.1:{port}")


PER_SERVICE = 20  # idle processes per service cgroup, as "50 services of 20 processes" at +1,000


@contextlib.contextmanager
def idle_processes(n: int, lifetime: int = 900, layout: str = "services") -> Iterator[str]:
    """n extra sleeping processes (each ends by itself after `lifetime` s), killed on exit.

    layout "services" places them the way a real host has them: in cgroup v2 cgroups of
    their own, PER_SERVICE processes each (bench-svc-N.service under the v2 root; needs
    root), and "one" leaves them all in our own cgroup (on this VM the root cgroup). Yields
    the layout actually used ("one" when cgroups cannot be made here)."""
    procs = [subprocess.Popen(["sleep", str(lifetime)]) for _ in range(n)]
    made = _place(procs, layout) if layout == "services" and n else []
    try:
        yield "services" if made else "one"
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()
        for d in made:
            with contextlib.suppress(OSError):
                d.rmdir()


def _place(procs: list[subprocess.Popen[bytes]], layout: str) -> list[Path]:
    from exporter.host.cgroup_tree import find_v2_mount
    from exporter.host.paths import HostPaths

    mount = find_v2_mount(HostPaths())
    if mount is None:
        return []
    made: list[Path] = []
    try:
        for i in range(0, len(procs), PER_SERVICE):
            d = Path(mount) / f"bench-{os.getpid()}-svc-{i // PER_SERVICE}.service"
            d.mkdir(exist_ok=True)
            made.append(d)
            for p in procs[i : i + PER_SERVICE]:
                (d / "cgroup.procs").write_text(str(p.pid))
    except OSError as e:
        print(f"idle processes stay in one cgroup: cannot make cgroups under {mount} ({e.strerror})", file=sys.stderr)
    return made


def process_count() -> int:
    return sum(1 for e in os.listdir("/proc") if e.isdigit())


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p99_ms(samples: list[float]) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * 0.99))] * 1000
