"""The registry: table order, isolation of failing collectors, and unavailable ones skipped."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from exporter.config import config_from_dict
from exporter.host import collectors
from exporter.host.collectors import CollectorSpec
from exporter.host.registry import HostReader, enabled_specs

CALLS: list[str] = []


MISSING: list[str] = []  # the path make_missing's collector reads (set by the test)


def make_missing(_ctx):
    def collect():
        CALLS.append("missing")
        with open(MISSING[0]) as f:
            return f.read()

    return collect


def make_broken(_ctx):
    def collect():
        CALLS.append("broken")
        raise ValueError("bad line")

    return collect


def make_families(_ctx):
    from exporter.exposition.families import GaugeFamily

    return lambda: [GaugeFamily("node_test_value", "A test value.", 1.0)]


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three collectors of this module in the table (besides the real ones, switched off)."""
    CALLS.clear()
    here = __name__
    rows = (CollectorSpec("missing", True, f"{here}:make_missing"),
            CollectorSpec("broken", True, f"{here}:make_broken"),
            CollectorSpec("fams", True, f"{here}:make_families"),
            CollectorSpec("offbydefault", False, f"{here}:make_families"))
    monkeypatch.setattr(collectors, "COLLECTORS", rows)
    monkeypatch.setattr("exporter.host.registry.COLLECTORS", rows)


def test_a_missing_feature_reports_failure_once_and_is_called_again_only_when_its_file_appears(
    table: None, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    MISSING[:] = [str(tmp_path / "pressure" / "cpu")]
    now = [100.0]
    reader = HostReader(config_from_dict({}), monotonic=lambda: now[0])
    caplog.set_level(logging.INFO)
    for _ in range(5):
        snap = reader.read()
    result = {c.name: c for c in snap.collectors}
    assert not result["missing"].success and MISSING[0] in result["missing"].error
    assert not result["missing"].available and result["broken"].available and not result["broken"].success
    assert CALLS.count("missing") == 1 and CALLS.count("broken") == 5
    assert sum("collector missing failed" in r.message for r in caplog.records) == 1
    assert [(name, [f.name for f in fams]) for name, fams in snap.families] == [("fams", ["node_test_value"])]
    (tmp_path / "pressure").mkdir()
    (tmp_path / "pressure" / "cpu").write_text("some")
    reader.read()
    assert CALLS.count("missing") == 1  # looked for again only every MISSING_RECHECK_SECONDS
    now[0] += HostReader.MISSING_RECHECK_SECONDS
    snap = reader.read()
    assert CALLS.count("missing") == 2 and {c.name: c.success for c in snap.collectors}["missing"]
    assert sum("collector missing recovered" in r.message for r in caplog.records) == 1


def test_off_by_default_collectors_run_only_when_enabled(table: None) -> None:
    assert "offbydefault" not in [s.name for s in enabled_specs(config_from_dict({}))]
    config = dataclasses.replace(config_from_dict({}), enabled_collectors=("offbydefault",),
                                 disabled_collectors=("broken",))
    assert [s.name for s in enabled_specs(config)] == ["missing", "fams", "offbydefault"]


def test_config_names_come_from_the_table() -> None:
    from exporter.config import ConfigError

    with pytest.raises(ConfigError, match="enabled_collectors: unknown collector 'nosuch'"):
        config_from_dict({"enabled_collectors": ["nosuch"]})
    with pytest.raises(ConfigError, match="also in disabled_collectors"):
        config_from_dict({"enabled_collectors": ["cpu"], "disabled_collectors": ["cpu"]})


def test_healthz_names_failing_collectors_apart_from_those_this_host_lacks(table: None, tmp_path: Path) -> None:
    from exporter.runtime import build_runtime
    from exporter.web.app import create_app

    MISSING[:] = [str(tmp_path / "absent")]
    config = config_from_dict({"dirsize": {"enabled": False}})
    runtime = build_runtime(config, reader=HostReader(config))
    try:
        health = create_app(runtime).test_client().get("/healthz").get_json()
    finally:
        runtime.stop()
    assert health["failing_collectors"] == ["broken"] and health["unavailable_collectors"] == ["missing"]


def test_a_partial_read_runs_only_what_the_page_alerts_and_history_read() -> None:
    """The typed areas and the page's families (pressure, hwmon) are there; the collectors
    that only feed /metrics are not run, and the Snapshot says it is partial."""
    reader = HostReader(config_from_dict({"dirsize": {"enabled": False}}))
    try:
        full, part = reader.read(), reader.read(partial=True)
    finally:
        reader.close()
    ran = {c.name for c in part.collectors}
    assert ran == {s.name for s, _ in reader._collectors if collectors.in_partial(s)}
    assert {"cpu", "meminfo", "processes", "pressure"} <= ran and not ran & {"netstat", "sockstat", "timex"}
    assert {c.name for c in full.collectors} > ran and not full.partial and part.partial
    assert part.cpu is not None and part.memory is not None and part.processes is not None
    assert {name for name, _ in part.families} <= collectors.PAGE_FAMILIES | {"cpu", "filesystem", "diskstats",
                                                                            "netdev", "processes", "cgroup_usage"}
