"""The fixture host and both outputs on it, built once per session (unpacking takes a while)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.node_fixtures import Exposition, build_root, e2e_config, expected, parse, scrape


@pytest.fixture(scope="session")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_root(tmp_path_factory.mktemp("node-fixtures"))


@pytest.fixture(scope="session")
def theirs() -> Exposition:
    return expected()


@pytest.fixture(scope="session")
def ours(fixture_root: Path) -> Exposition:
    """Our /metrics on the fixture tree, configured as node_exporter was for the golden file."""
    return parse(scrape(e2e_config(fixture_root)))
