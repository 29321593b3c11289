"""The image builds the wheel the way `make dist` does and ships only the wheel (no Docker engine
needed: the stages are read from the Dockerfile; tests/packaging/test_wheel.py runs the same
`pip wheel` build for real)."""

from __future__ import annotations

import re

from tests.support.servers import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text()


def stages() -> dict[str, str]:
    """Stage name (or 'final') → its instructions."""
    parts = re.split(r"^FROM ", DOCKERFILE, flags=re.M)[1:]
    out = {}
    for i, part in enumerate(parts):
        m = re.match(r"\S+(?: AS (\S+))?", part)
        assert m
        out[m.group(1) or ("final" if i == len(parts) - 1 else str(i))] = part
    return out


def test_the_wheel_stage_runs_the_build_hook_with_npm() -> None:
    wheel = stages()["wheel"]
    assert "COPY --from=node /usr/local/bin/node" in wheel and "/usr/local/bin/npm" in wheel
    copied = " ".join(re.findall(r"^COPY (?!--from)(.+)$", wheel, re.M))
    for needed in ("pyproject.toml", "setup.py", "MANIFEST.in", "package.json", "package-lock.json", "exporter"):
        assert needed in copied, needed
    assert re.search(r"^RUN pip wheel .*--no-deps.* -w /dist \.$", wheel, re.M)


def test_the_final_stage_has_the_wheel_and_no_npm() -> None:
    final = stages()["final"]
    assert "COPY --from=wheel /dist /dist" in final and "pip install /dist/*.whl" in final
    assert "npm" not in final and "node" not in final.lower().replace("node_exporter", "")
    assert not re.search(r"^COPY (?!--from)(?!docker/)", final, re.M), "the final stage copies only its config"
