"""`sysmon-exporter install-service`: run the exporter as a hardened systemd service.

Writes the unit (rendered here, so it names the program actually installed; the committed
`deploy/systemd/sysmon-exporter.service` is the rendering for /opt/sysmon-exporter and a test
fails when the two drift), creates the dedicated system user and a starting configuration,
then prints the commands that start it. It starts nothing itself: enabling a network service
is the administrator's call. `--root DIR` writes under DIR (a staging tree, a test) instead of /.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from exporter.config import ConfigError

UNIT_NAME = "sysmon-exporter.service"
USER = "sysmon-exporter"
STATE_DIR = "/var/lib/sysmon-exporter"
CONFIG_FILE = "/etc/sysmon-exporter/config.yml"
DOCUMENTED_PROGRAM = "/opt/sysmon-exporter/bin/sysmon-exporter"
_USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,30}")

UNIT_TEMPLATE = """\
# Linux System Monitor as a systemd service: a dedicated user, read-only view of the host,
# writable only in its state directory (the SQLite history).
# Written by `sysmon-exporter install-service`; check with `systemd-analyze verify`.
[Unit]
Description=Linux System Monitor: Prometheus exporter and web dashboard
After=network-online.target
Wants=network-online.target

[Service]
Type=exec
User={user}
Group={user}
ExecStart={program} serve --config {config} --data-dir {state_dir}
# Re-reads the configuration (validated first; a bad file keeps the running one).
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5s
TimeoutStopSec=10s
# One kept /proc file per process (processes.keep_files_open).
LimitNOFILE=65536

# /var/lib/sysmon-exporter, owned by the service user: the only writable place.
StateDirectory=sysmon-exporter
StateDirectoryMode=0750
ConfigurationDirectory=sysmon-exporter
UMask=0077

# Hardening: everything read-only, no privileges to gain, no devices, a private /tmp.
ProtectSystem=strict
ProtectHome=read-only
ReadOnlyPaths=/proc /sys
PrivateTmp=yes
PrivateDevices=yes
PrivateMounts=yes
NoNewPrivileges=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
SystemCallArchitectures=native
# @system-service keeps setpriority/ioprio_set: the directory scans lower their own priority.
SystemCallFilter=@system-service
SystemCallFilter=~@privileged
SystemCallErrorNumber=EPERM
CapabilityBoundingSet=
# Left out on purpose: ProtectProc=invisible and PrivateUsers= would hide other users'
# processes and owners (the process tables); PrivateNetwork= the listening socket;
# MemoryDenyWriteExecute= may break Python's ctypes (libffi closures).

# Optional, for complete data as an unprivileged user: CAP_DAC_READ_SEARCH lets the directory
# scans read every directory; CAP_SYS_PTRACE shows other users' /proc/PID details (exe, I/O,
# open files). Both only read. Uncomment both lines, then
# `systemctl daemon-reload && systemctl restart sysmon-exporter`.
#CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE
#AmbientCapabilities=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE

[Install]
WantedBy=multi-user.target
"""

CONFIG_TEMPLATE = """\
# sysmon-exporter under systemd (written by `sysmon-exporter install-service`).
# Every setting and its default: config.example.yml in the source; check edits with
# `sysmon-exporter check-config {config}`, apply them with `systemctl reload sysmon-exporter`.
web:
  # Loopback only; for a Prometheus on another host use 0.0.0.0:9877 with basic auth and TLS.
  listen: "127.0.0.1:9877"
dirsize:
  # Directories the service user may not read count as scan errors unless the unit grants
  # CAP_DAC_READ_SEARCH (see the unit's optional AmbientCapabilities line).
  roots: ["/home", "/var"]
"""


def render_unit(program: str, user: str = USER) -> str:
    return UNIT_TEMPLATE.format(program=program, user=user, config=CONFIG_FILE, state_dir=STATE_DIR)


def installed_program() -> str:
    """The console script of this installation (what ExecStart must run)."""
    script = Path(sysconfig.get_path("scripts")) / "sysmon-exporter"
    if script.is_file():
        return str(script)
    found = shutil.which("sysmon-exporter")
    if not found:
        raise ConfigError("install-service: cannot find the sysmon-exporter program of this installation")
    return str(Path(found).resolve())


def _under_private_home(program: str) -> bool:
    return any(Path(program).is_relative_to(p) for p in ("/root", "/home"))


def _create_user(root: Path, user: str) -> str:
    """A system user with no login and no home of its own; returns what was done."""
    passwd = root / "etc" / "passwd"
    if passwd.is_file() and any(line.split(":", 1)[0] == user for line in passwd.read_text().splitlines()):
        return f"user {user} exists"
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    args = [useradd, "--system", "--user-group", "--no-create-home", "--home-dir", STATE_DIR,
            "--shell", "/usr/sbin/nologin", "--comment", "Linux System Monitor", user]
    if root != Path("/"):
        args[1:1] = ["--prefix", str(root)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise ConfigError("install-service: useradd not found (Debian package passwd)") from None
    if done.returncode != 0:
        last = (done.stderr.strip() or f"exit {done.returncode}").splitlines()[-1]
        raise ConfigError(f"install-service: useradd {user} failed: {last}")
    return f"created system user {user}"


def install(root: Path, program: str, user: str = USER) -> list[str]:
    """Write unit and configuration under `root`, create the user; returns one line per action."""
    done = []
    unit = root / "etc" / "systemd" / "system" / UNIT_NAME
    unit.parent.mkdir(parents=True, exist_ok=True)
    unit.write_text(render_unit(program, user))
    unit.chmod(0o644)
    done.append(f"wrote {unit}")
    config = root / CONFIG_FILE.lstrip("/")
    if config.exists():
        done.append(f"kept {config}")
    else:
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(CONFIG_TEMPLATE.format(config=CONFIG_FILE))
        config.chmod(0o644)
        done.append(f"wrote {config}")
    done.append(_create_user(root, user))
    return done


def next_steps(root: Path) -> list[str]:
    prefix = "" if root == Path("/") else f"# after copying {root} onto the target's /:\n"
    return [
        f"{prefix}systemctl daemon-reload",
        "systemctl enable --now sysmon-exporter",
        "journalctl -u sysmon-exporter -f      # its log; then open http://127.0.0.1:9877/",
    ]


def run(args: argparse.Namespace) -> int:
    root = Path(args.root or "/").absolute()
    if root == Path("/") and os.geteuid() != 0:
        raise ConfigError("install-service: run it as root (sudo), or with --root DIR to stage the files")
    program = args.program or installed_program()
    if root == Path("/") and _under_private_home(program):
        print(f"warning: {program} is under a home directory the service user cannot read; install into "
              f"/opt (python3 -m venv /opt/sysmon-exporter && /opt/sysmon-exporter/bin/pip install ...) "
              f"and run install-service from there", file=sys.stderr)
    try:
        done = install(root, program, args.user)
    except OSError as e:
        raise ConfigError(f"install-service: {e.filename or root}: {e.strerror or e}") from None
    for line in done:
        print(line)
    print("next:")
    for line in next_steps(root):
        print(f"  {line}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("install-service", help="install the systemd unit, its user and a configuration")
    p.add_argument("--root", metavar="DIR", help="write under DIR instead of / (staging, tests)")
    p.add_argument("--user", default=USER, help=f"the service's system user (default {USER})")
    p.add_argument("--program", metavar="PATH", help="what ExecStart runs (default: this installation's program)")
    p.add_argument("--print-unit", action="store_true", help="print the unit and exit")
    p.set_defaults(run=_dispatch)


def _dispatch(args: argparse.Namespace) -> int:
    if not _USER_NAME.fullmatch(args.user):
        raise ConfigError(f"install-service: --user: not a system user name: {args.user!r}")
    if args.program and not os.path.isabs(args.program):
        raise ConfigError(f"install-service: --program: must be an absolute path, got {args.program!r}")
    if args.print_unit:
        sys.stdout.write(render_unit(args.program or DOCUMENTED_PROGRAM, args.user))
        return 0
    return run(args)
