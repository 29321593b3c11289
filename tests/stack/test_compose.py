"""docker-compose.yml, the Dockerfile and docker/exporter.yml (no Docker engine needed):
docker-compose validates the file, every mounted file exists, images are pinned, and the
image's HEALTHCHECK command really tells a healthy exporter from a dead one."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from exporter.config import load_config
from tests.support.stack import REPO, free_port, require_binary, run_tool

pytestmark = pytest.mark.stack

COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def test_docker_compose_config_is_valid() -> None:
    binary = require_binary("docker-compose", "docker-compose")
    r = run_tool([binary, "-f", str(COMPOSE), "config", "-q"])
    assert r.returncode == 0, r.stdout + r.stderr


def _bind_sources(service: dict[str, Any]) -> list[str]:
    sources = []
    for v in service.get("volumes", []):
        src = v.split(":")[0] if isinstance(v, str) else v.get("source", "")
        if src.startswith((".", "/")):
            sources.append(src)
    return sources


def test_every_mounted_project_file_exists() -> None:
    services = compose()["services"]
    checked = 0
    for name, service in services.items():
        for src in _bind_sources(service):
            if src.startswith("./"):
                assert (REPO / src).exists(), f"{name} mounts {src}, which does not exist"
                checked += 1
    assert checked >= 5
    # The directories Prometheus and Grafana read from inside their mounts.
    for path in ("prometheus/prometheus.yml", "prometheus/rules/sysmon.rules.yml", "prometheus/targets/example.yml",
                 "alertmanager/alertmanager.yml", "grafana/provisioning/datasources/prometheus.yml",
                 "grafana/provisioning/dashboards/provider.yml", "grafana/dashboards/host-overview.json"):
        assert (REPO / path).is_file(), path


def test_services_pinned_loopback_and_volumes() -> None:
    c = compose()
    services = c["services"]
    assert set(services) == {"exporter", "prometheus", "alertmanager", "grafana"}
    for name, s in services.items():
        image = s.get("image", "")
        if name != "exporter":
            tag = image.rpartition(":")[2]
            assert ":" in image and tag not in ("", "latest") and re.search(r"\d", tag), f"{name}: pin {image}"
        for port in s.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
        for v in s.get("volumes", []):
            src = v.split(":")[0]
            if not src.startswith((".", "/")):
                assert src in c["volumes"], f"{name}: named volume {src} not declared"
    exp = services["exporter"]
    assert exp["pid"] == "host"
    mounts = {v.split(":")[0]: v for v in exp["volumes"]}
    assert mounts["/"].startswith("/:/host:ro")
    assert mounts["/proc"] == "/proc:/host/proc:ro"
    assert "--cluster.listen-address=" in services["alertmanager"]["command"]
    assert "--web.enable-lifecycle" in services["prometheus"]["command"]


def test_container_config_reads_the_host_through_host() -> None:
    config = load_config(REPO / "docker" / "exporter.yml")
    assert config.root_prefix == "/host"
    assert config.web.listen == "0.0.0.0:9877"
    mounted = {v.split(":")[1] for v in compose()["services"]["exporter"]["volumes"] if ":" in v}
    assert "/etc/sysmon-exporter/config.yml" in mounted


def _dockerfile() -> str:
    return DOCKERFILE.read_text()


def test_dockerfile_basics() -> None:
    text = _dockerfile()
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert stages[-1] == "python:3.11-slim"
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert "CAP_SYS_PTRACE" in text  # documents what a non-root user cannot read
    assert re.search(r"^EXPOSE 9877$", text, re.M)
    # Everything COPY takes from the build context exists and is not excluded by .dockerignore.
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M):
        *sources, _dest = shlex.split(line)
        for src in sources:
            assert (REPO / src).exists(), f"Dockerfile copies {src}, which does not exist"
            assert src.split("/")[0] not in ignored, f"{src} is excluded by .dockerignore"


def _healthcheck_argv() -> list[str]:
    m = re.search(r"^HEALTHCHECK [^\n]*\\\n\s*CMD (\[[^\n]*\])$", _dockerfile(), re.M)
    assert m, "no HEALTHCHECK ... CMD [...]"
    argv = yaml.safe_load(m.group(1))
    assert isinstance(argv, list) and argv[0] == "python"
    assert "http://127.0.0.1:9877/healthz" in argv[-1]
    return argv


def test_healthcheck_command_against_a_real_exporter(exporter_proc: Any) -> None:
    argv = _healthcheck_argv()
    exp = exporter_proc()
    check = [sys.executable, *argv[1:-1], argv[-1].replace("127.0.0.1:9877", f"127.0.0.1:{exp.port}")]
    assert subprocess.run(check, capture_output=True, timeout=30).returncode == 0
    dead = [sys.executable, *argv[1:-1], argv[-1].replace("127.0.0.1:9877", f"127.0.0.1:{free_port()}")]
    assert subprocess.run(dead, capture_output=True, timeout=30).returncode != 0


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = (REPO / ".dockerignore").read_text().split()
    for heavy in (".git", ".venv", "node_modules", "tests"):
        assert heavy in ignored
    assert Path(REPO / "docker" / "exporter.yml").is_file()
