"""The systemd unit and `sysmon-exporter install-service`.

The unit is checked by systemd itself (`systemd-analyze verify`, Debian package systemd) and
its hardening scored by `systemd-analyze security --offline`; install-service runs for real
against a staging root (`--root`), useradd included.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from exporter import service_install
from tests.support.servers import REPO, wait_until

COMMITTED_UNIT = REPO / "deploy" / "systemd" / "sysmon-exporter.service"
PROGRAM = str(Path(sys.executable).parent / "sysmon-exporter")


def systemd_analyze() -> str:
    path = shutil.which("systemd-analyze")
    if not path:
        pytest.skip("systemd-analyze not installed: sudo apt-get install systemd")
    return path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exporter", *args], capture_output=True, text=True, timeout=60)


def write_unit(tmp_path: Path, text: str) -> Path:
    unit = tmp_path / service_install.UNIT_NAME
    unit.write_text(text)
    return unit


def verify(unit: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([systemd_analyze(), "verify", str(unit)], capture_output=True, text=True, timeout=60)


def test_the_committed_unit_is_the_rendering_for_opt() -> None:
    assert COMMITTED_UNIT.read_text() == service_install.render_unit(service_install.DOCUMENTED_PROGRAM), (
        "deploy/systemd/sysmon-exporter.service drifted: regenerate it with "
        "`sysmon-exporter install-service --print-unit > deploy/systemd/sysmon-exporter.service`")


@pytest.mark.integration
def test_print_unit_is_the_committed_file() -> None:
    r = cli("install-service", "--print-unit")
    assert r.returncode == 0 and r.stdout == COMMITTED_UNIT.read_text()


@pytest.mark.integration
def test_systemd_verifies_the_unit_clean(tmp_path: Path) -> None:
    # verify checks that ExecStart's program exists: render it for this installation's program.
    r = verify(write_unit(tmp_path, service_install.render_unit(PROGRAM)))
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r.stderr


@pytest.mark.integration
def test_systemd_verifies_the_unit_with_the_optional_capabilities(tmp_path: Path) -> None:
    text = service_install.render_unit(PROGRAM)
    optional = re.findall(r"^#((?:CapabilityBoundingSet|AmbientCapabilities)=.+)$", text, re.M)
    assert optional == ["CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE",
                        "AmbientCapabilities=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE"]
    for line in optional:
        text = text.replace("#" + line, line)
    r = verify(write_unit(tmp_path, text))
    assert r.returncode == 0 and r.stderr == "", r.stderr


@pytest.mark.integration
def test_the_unit_is_hardened(tmp_path: Path) -> None:
    text = service_install.render_unit(PROGRAM)
    settings = dict(line.split("=", 1) for line in text.splitlines() if re.match(r"^[A-Z]\w+=", line))
    assert settings["User"] == settings["Group"] == "sysmon-exporter"
    assert settings["ProtectSystem"] == "strict" and settings["ProtectHome"] == "read-only"
    assert settings["StateDirectory"] == "sysmon-exporter" and "--data-dir /var/lib/sysmon-exporter" in text
    assert settings["NoNewPrivileges"] == "yes" and settings["Restart"] == "on-failure"
    assert settings["ExecReload"] == "/bin/kill -HUP $MAINPID"
    r = subprocess.run([systemd_analyze(), "security", "--offline=yes", str(write_unit(tmp_path, text))],
                       capture_output=True, text=True, timeout=60)
    score = re.search(r"Overall exposure level for \S+: ([\d.]+)", r.stdout)
    assert score, r.stdout[-2000:] + r.stderr
    # systemd's scale: 0 (locked down) to 10 (unprotected); Debian's node_exporter unit scores about 9.
    assert float(score.group(1)) <= 2.5, r.stdout


# --- install-service -----------------------------------------------------------------------


@pytest.fixture
def staging_root(tmp_path: Path) -> Path:
    """An empty root with the account files useradd edits (`useradd --prefix`)."""
    if os.geteuid() != 0:
        pytest.skip("useradd --prefix needs root")
    if not shutil.which("useradd"):
        pytest.skip("useradd not installed: sudo apt-get install passwd")
    root = tmp_path / "root"
    etc = root / "etc"
    etc.mkdir(parents=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (etc / "group").write_text("root:x:0:\n")
    (etc / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    (etc / "gshadow").write_text("root:*::\n")
    for name in ("shadow", "gshadow"):
        (etc / name).chmod(0o600)
    return root


@pytest.mark.integration
def test_install_service_writes_unit_config_and_user(staging_root: Path) -> None:
    r = cli("install-service", "--root", str(staging_root), "--program", PROGRAM)
    assert r.returncode == 0, r.stderr
    unit = staging_root / "etc/systemd/system/sysmon-exporter.service"
    assert unit.read_text() == service_install.render_unit(PROGRAM)
    (user,) = [line for line in (staging_root / "etc/passwd").read_text().splitlines()
               if line.startswith("sysmon-exporter:")]
    _name, _pw, uid, _gid, _gecos, home, shell = user.split(":")
    assert int(uid) < 1000 and home == "/var/lib/sysmon-exporter" and shell == "/usr/sbin/nologin"
    assert any(g.startswith("sysmon-exporter:") for g in (staging_root / "etc/group").read_text().splitlines())
    config = staging_root / "etc/sysmon-exporter/config.yml"
    assert cli("check-config", str(config)).returncode == 0
    assert "systemctl enable --now sysmon-exporter" in r.stdout
    # Idempotent: the user and an edited configuration are kept.
    config.write_text(config.read_text() + "# edited\n")
    again = cli("install-service", "--root", str(staging_root), "--program", PROGRAM)
    assert again.returncode == 0 and "user sysmon-exporter exists" in again.stdout
    assert config.read_text().endswith("# edited\n")


@pytest.mark.integration
def test_install_service_default_program_is_this_installation(staging_root: Path) -> None:
    r = cli("install-service", "--root", str(staging_root))
    assert r.returncode == 0, r.stderr
    unit = (staging_root / "etc/systemd/system/sysmon-exporter.service").read_text()
    (exec_start,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    program = exec_start.removeprefix("ExecStart=").split()[0]
    assert Path(program).is_file() and Path(program).parent == Path(sys.executable).parent


@pytest.mark.integration
@pytest.mark.parametrize(("args", "message"), [
    (["--user", "not a user"], "--user"),
    (["--user", "Root;rm"], "--user"),
    (["--program", "relative/bin"], "--program"),
])
def test_install_service_bad_usage_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    r = cli("install-service", "--root", str(tmp_path), *args)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    assert not (tmp_path / "etc").exists()


@pytest.mark.integration
def test_install_service_failures_are_one_line(tmp_path: Path) -> None:
    if not shutil.which("useradd"):
        pytest.skip("useradd not installed: sudo apt-get install passwd")
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    broken_accounts = tmp_path / "broken"
    (broken_accounts / "etc" / "passwd").mkdir(parents=True)  # useradd cannot read a directory
    for root, message in ((not_a_dir, "Not a directory"), (broken_accounts, "useradd sysmon-exporter failed")):
        r = cli("install-service", "--root", str(root), "--program", PROGRAM)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert message in r.stderr and "Traceback" not in r.stderr, r.stderr


@pytest.mark.integration
def test_the_units_reload_command_reloads_a_running_server(exporter_proc: Any) -> None:
    """ExecReload, run as systemd runs it ($MAINPID = the server), re-reads the configuration."""
    (reload_line,) = [line for line in service_install.render_unit(PROGRAM).splitlines()
                      if line.startswith("ExecReload=")]
    server = exporter_proc()
    assert server.proc is not None
    argv = reload_line.removeprefix("ExecReload=").replace("$MAINPID", str(server.proc.pid)).split()
    assert subprocess.run(argv, timeout=10).returncode == 0
    wait_until(lambda: "SIGHUP: configuration re-read" in server.log_path.read_text(), 10,
               what="the reload line in the server's log")
    assert server.proc.poll() is None and server.get("/healthz")[0] == 200
