"""/metrics?collect[]= and exclude[]=: node_exporter's per-scrape selection, from the same Reading."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporter.config import config_from_dict
from exporter.runtime import build_runtime
from exporter.web.app import create_app

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "root"


@pytest.fixture
def app_and_runtime():
    config = config_from_dict({"root_prefix": str(ROOT), "history": {"enabled": False},
                               "dirsize": {"enabled": False}, "sample_max_age": "1h",
                               "disabled_collectors": ["arp"]})
    runtime = build_runtime(config)
    reads: list[int] = []
    runtime.sampler.subscribe(lambda reading: reads.append(reading.seq))  # one call per collection
    yield create_app(runtime).test_client(), runtime, reads
    runtime.stop()


def names(body: bytes) -> set[str]:
    return {s.name for f in text_string_to_metric_families(body.decode()) for s in f.samples}


def scraped(body: bytes) -> set[str]:
    return {s.labels["collector"] for f in text_string_to_metric_families(body.decode()) for s in f.samples
            if s.name == "node_scrape_collector_success"}


def test_collect_keeps_only_those_collectors(app_and_runtime) -> None:
    client, _runtime, reads = app_and_runtime
    everything = client.get("/metrics")
    assert everything.status_code == 200 and any(n.startswith("node_cpu_") for n in names(everything.data))
    r = client.get("/metrics?collect[]=meminfo&collect[]=loadavg")
    assert r.status_code == 200
    got = names(r.data)
    node = {n for n in got if n.startswith("node_") and not n.startswith("node_scrape_")}
    assert node and all(n.startswith(("node_memory_", "node_load")) for n in node), sorted(node)
    assert scraped(r.data) == {"meminfo", "loadavg"}
    assert "process_resident_memory_bytes" in got and "sysmon_build_info" in got  # the exporter's own stay
    assert len(reads) == 1, "a selection is filtered from the same Reading, never collected again"


def test_brackets_may_come_percent_encoded(app_and_runtime) -> None:
    """Prometheus sends a scrape config's `params: {collect[]: [...]}` as collect%5B%5D=..."""
    client, _runtime, _reads = app_and_runtime
    r = client.get("/metrics?collect%5B%5D=loadavg")
    assert r.status_code == 200 and scraped(r.data) == {"loadavg"}


def test_exclude_drops_those_collectors(app_and_runtime) -> None:
    client, runtime, _reads = app_and_runtime
    r = client.get("/metrics?exclude[]=meminfo&exclude[]=processes")
    got = names(r.data)
    assert not any(n.startswith(("node_memory_", "sysmon_process_group_", "sysmon_top_process_")) for n in got)
    assert any(n.startswith("node_cpu_") for n in got)
    assert scraped(r.data) == set(runtime.reader.enabled) - {"meminfo", "processes"}


def test_each_selection_is_rendered_once_per_reading(app_and_runtime) -> None:
    client, runtime, _reads = app_and_runtime
    client.get("/metrics")
    only = frozenset({"cpu"})
    first, _ = runtime.exposition.render(None, False, only)
    assert runtime.exposition.render(None, False, only)[0] is first
    assert runtime.exposition.render(None, False, frozenset({"meminfo"}))[0] != first


@pytest.mark.parametrize(("query", "error"), [
    ("collect[]=nope", "unknown collector: 'nope'"),
    ("exclude[]=cpu&exclude[]=bogus", "unknown collector: 'bogus'"),
    ("collect[]=cpu&exclude[]=meminfo", "collect[] and exclude[] cannot be combined"),
    ("collect[]=arp", "collector not enabled: arp"),
    ("collect=cpu", "unknown query parameter: collect"),
])
def test_bad_selections_are_400_json(app_and_runtime, query: str, error: str) -> None:
    client, _runtime, _reads = app_and_runtime
    r = client.get("/metrics?" + query)
    assert r.status_code == 400
    assert r.get_json()["error"].startswith(error), r.get_json()


def test_a_scrape_after_the_pages_partial_collection_gets_every_collector(app_and_runtime) -> None:
    """The page's /data takes a partial collection (no netstat, sockstat...); /metrics after it,
    however soon, collects in full and shows every collector, and /data then reuses that."""
    client, runtime, reads = app_and_runtime
    assert client.get("/data").status_code == 200
    assert len(reads) == 1 and runtime.sampler.latest(partial_ok=True).cur.partial
    body = client.get("/metrics").data
    assert {"netstat", "sockstat", "cpu", "processes"} <= scraped(body)
    assert any(n.startswith(("node_timex_", "node_context_switches")) for n in names(body)) and len(reads) == 2
    assert client.get("/data").status_code == 200 and len(reads) == 2  # the full Reading does for the page
    assert client.get("/metrics").data == body and len(reads) == 2


def test_the_exposition_keeps_the_last_full_reading_when_a_partial_one_comes(app_and_runtime) -> None:
    """A page's partial collection landing between a scrape's collection and its rendering
    must not cost the scrape the collectors only /metrics shows."""
    _client, runtime, reads = app_and_runtime
    runtime.sampler.latest()
    runtime.sampler.latest(max_age=0, partial_ok=True)
    assert len(reads) == 2
    body, _type = runtime.exposition.render(None, False)
    assert "timex" in scraped(body) and any(n.startswith("node_timex_") for n in names(body))
