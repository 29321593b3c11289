"""Our encoders must write exactly what prometheus_client writes, byte for byte, for the
exporter's real registry and for every awkward value and label, in both formats; what
they do not handle goes to the library's encoder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from prometheus_client.samples import Exemplar

from exporter.config import config_from_dict
from exporter.exposition import encoding
from exporter.exposition.families import CounterFamily, Family, GaugeFamily, InfoFamily
from exporter.runtime import build_runtime

PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)
ACCEPTS = [None, "", "text/plain", "text/plain;version=0.0.4", "*/*", PROMETHEUS_ACCEPT,
           "application/openmetrics-text", "application/openmetrics-text; version=1.0.0"]


class Fixed(Collector):
    def __init__(self, *families: Metric) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def registry_of(*families: Metric) -> CollectorRegistry:
    r = CollectorRegistry(auto_describe=False)
    r.register(Fixed(*families))
    return r


def assert_same(registry: CollectorRegistry, accept: str | None) -> None:
    ours, ours_type = encoding.choose(accept)
    library, library_type = choose_encoder(accept or "")
    assert ours_type == library_type
    assert ours(registry) == library(registry)


@pytest.mark.parametrize("accept", ACCEPTS)
def test_the_exporters_registry_is_rendered_as_the_library_renders_it(accept: str | None) -> None:
    config = config_from_dict({"dirsize": {"enabled": False}, "history": {"enabled": False}})
    runtime = build_runtime(config)
    try:
        runtime.sampler.latest()
        runtime.sampler.latest(max_age=0)  # a second Reading: rates and top-N have values
        # Materialised once: our own process metrics move between two renderings.
        families = list(runtime.exposition.families())
        body = encoding.choose(accept)[0](registry_of(*families))
        for name in (b"sysmon_top_process_cpu_usage_ratio", b"node_cpu_seconds_total", b"process_open_fds"):
            assert name in body
        assert_same(registry_of(*families), accept)
    finally:
        runtime.stop()


def awkward(gauge: Any = GaugeMetricFamily, counter_family: Any = CounterMetricFamily) -> list[Metric]:
    g = gauge("awkward_values", 'Doc with \\ backslash, "quotes" and\nnewline.', labels=["v", "b"])
    values = [0.0, -0.0, 1.0, -2.5, 1234567.0, 123456.7, 1e21, 1e-7, 2**53 + 0.0, float("inf"),
              float("-inf"), float("nan"), 3, 0, -7, 999_999, 1_000_000, -999_999, -1_000_000, 10**17, 0.1]
    for i, v in enumerate(values):
        g.add_metric([f"v{i}", "x"], v)
    labels = gauge("awkward_labels", "Label values.", labels=["value", "z", "a"])
    for i, text in enumerate(['quote"in', "back\\slash", "new\nline", "ünïcødé ✓", "", "a,b=c}{", "\\\"\n"]):
        labels.add_metric([text, str(i), "first"], i)
    counter = counter_family("awkward_requests", "A counter.", labels=["code"])
    counter.add_metric(["200"], 12.0)
    counter.add_metric(["500"], 0.0)
    stamped = CounterMetricFamily("awkward_stamped", "A timestamp.", labels=["code"])
    stamped.add_metric(["500"], 0.0, timestamp=1700000000.123)
    total = counter_family("awkward_seconds_total", "Named with _total.", value=7)
    info = InfoMetricFamily("awkward_build", "An info metric.")
    info.add_metric([], {"version": "1.2.3", "python_version": "3.11.7"})
    unit = GaugeMetricFamily("awkward_size_bytes", "With a unit.", value=42, unit="bytes")
    empty = gauge("awkward_empty", "No samples at all.", labels=["x"])
    return [g, labels, counter, stamped, total, info, unit, empty]


FAMILY_KINDS = {"library": (GaugeMetricFamily, CounterMetricFamily), "ours": (GaugeFamily, CounterFamily)}


@pytest.mark.parametrize("kind", FAMILY_KINDS)
@pytest.mark.parametrize("accept", ACCEPTS)
def test_awkward_values_labels_and_types(accept: str | None, kind: str) -> None:
    assert_same(registry_of(*awkward(*FAMILY_KINDS[kind])), accept)


def test_our_families_are_the_librarys_families() -> None:
    ours, library = awkward(GaugeFamily, CounterFamily), awkward()
    assert repr([m.samples for m in ours]) == repr([m.samples for m in library])  # repr: NaN != NaN
    assert [(m.name, m.type, m.documentation) for m in ours] == [(m.name, m.type, m.documentation) for m in library]
    assert ours[1] == library[1]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_name_the_fast_path_refuses_in_our_families_goes_to_the_library(accept: str | None) -> None:
    colon = GaugeFamily("recorded:rule", "A colon in the name.", labels=["a"])
    colon.add_metric(["x"], 1)
    assert_same(registry_of(*awkward(GaugeFamily, CounterFamily), colon), accept)


@pytest.mark.parametrize("accept", ACCEPTS)
def test_what_the_fast_path_does_not_handle_goes_to_the_library(accept: str | None) -> None:
    colon = GaugeMetricFamily("recorded:rule_name", "A colon.", value=1)
    created = CounterMetricFamily("with_created", "A _created sample.", value=3, created=1700000000.0)
    exemplar = CounterMetricFamily("with_exemplar", "An exemplar.", labels=["a"])
    exemplar.add_metric(["1"], 2.0)
    exemplar.samples[0] = exemplar.samples[0]._replace(exemplar=Exemplar({"trace_id": "abc"}, 1.0))
    for family in (colon, created, exemplar):
        registry = registry_of(*awkward(), family)
        try:
            expected = choose_encoder(accept or "")[0](registry)
        except ValueError:  # the library refuses it in this format: so must we
            with pytest.raises(ValueError):
                encoding.choose(accept)[0](registry)
            continue
        assert encoding.choose(accept)[0](registry) == expected


def test_other_formats_and_escapings_are_the_librarys() -> None:
    for accept in ("application/openmetrics-text; version=1.0.0; escaping=allow-utf-8",
                   "text/plain; version=1.0.0; escaping=allow-utf-8"):
        registry = registry_of(*awkward())
        assert_same(registry, accept)


# Accept headers Prometheus 2 and 3 send, and odd ones: our negotiation (which does not import
# prometheus_client.exposition and its HTTP servers) must pick what the library's choose_encoder picks.
NEGOTIATED = [
    *ACCEPTS, PROMETHEUS_ACCEPT.replace("1.0.0", "2.0.0"),
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;"
    "version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
    "application/openmetrics-text;version=0.0.1", "application/openmetrics-text;version=0.0.1,text/plain;version=1.0.0",
    "application/openmetrics-text; version=1.0.0; escaping=dots",
    "application/openmetrics-text;version=1.0.0;escaping=values",
    "application/openmetrics-text;version=1.0.0;escaping=nonsense", "application/openmetrics-text;version=",
    "text/plain;version=1.0.0", "text/plain;version=1.0.0;escaping=underscores", "text/plain;version=0.0.4,foo",
    "text/html, application/json", " application/openmetrics-text ; version=1.0.0 ", "application/openmetrics-text;q=1",
]


@pytest.mark.parametrize("accept", NEGOTIATED)
def test_negotiation_is_the_librarys(accept: str | None) -> None:
    ours, ours_type = encoding.choose_encoder(accept)
    library, library_type = choose_encoder(accept or "")
    assert ours_type == library_type
    registry = registry_of(*awkward())
    assert ours(registry) == library(registry)
    assert_same(registry, accept)


def test_a_version_that_is_no_number_is_not_a_server_error() -> None:
    with pytest.raises(TypeError):  # the library's own negotiation
        choose_encoder("text/plain;version=x")
    assert encoding.choose("text/plain;version=x")[1] == encoding.CONTENT_TYPE_PLAIN_0_0_4
    assert encoding.choose("application/openmetrics-text;version=x.y")[1] == encoding.CONTENT_TYPE_PLAIN_0_0_4


def rendered(family: Family) -> str:
    out: list[str] = []
    family.render_rows(out)
    return "".join(out)


def test_a_family_rendered_again_shows_its_own_rows() -> None:
    """Equal rows are written from the last rendering; any change in a value, a label or
    the number of rows (also rows added to a family already rendered) is written anew."""
    def fam(rows: list[tuple[list[str], float]]) -> Family:
        f = GaugeFamily("cache_probe", "Rows.", labels=["a"])
        for labels, v in rows:
            f.add_metric(labels, v)
        return f
    first = fam([(["x"], 1.0), (["y"], 2.0)])
    assert rendered(first) == 'cache_probe{a="x"} 1.0\ncache_probe{a="y"} 2.0\n'
    assert rendered(fam([(["x"], 1.0), (["y"], 2.0)])) == rendered(first)
    assert rendered(fam([(["x"], 1.0), (["y"], 3.0)])) == 'cache_probe{a="x"} 1.0\ncache_probe{a="y"} 3.0\n'
    assert rendered(fam([(["x"], 1.0), (["z"], 3.0)])) == 'cache_probe{a="x"} 1.0\ncache_probe{a="z"} 3.0\n'
    grown = fam([(["x"], 1.0)])
    assert rendered(grown) == 'cache_probe{a="x"} 1.0\n'
    grown.add_metric(["w"], 4)
    assert rendered(grown) == 'cache_probe{a="x"} 1.0\ncache_probe{a="w"} 4.0\n'


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_family_written_again_with_another_help_type_or_rows_is_written_anew(accept: str | None) -> None:
    """The block cache (HELP, TYPE and rows of a family as last written) never serves a stale
    part: each encoding equals the library's for what the family holds now."""
    def fam(cls: Any, doc: str, rows: list[tuple[str, float]]) -> Family:
        f = cls("block_probe", doc, labels=["a"])
        for label, v in rows:
            f.add_metric([label], v)
        return f
    for f in (fam(GaugeFamily, "First.", [("x", 1.0)]), fam(GaugeFamily, "First.", [("x", 1.0)]),
              fam(GaugeFamily, "Second.", [("x", 1.0)]), fam(CounterFamily, "Second.", [("x", 1.0)]),
              fam(CounterFamily, "Second.", [("x", 2.0)]), fam(CounterFamily, "Second.", [("x", 2.0), ("y", 0.0)])):
        assert_same(registry_of(f), accept)


@pytest.mark.parametrize("accept", ACCEPTS)
def test_our_info_family_is_written_as_the_librarys(accept: str | None) -> None:
    ours = InfoFamily("probe_build", "An info metric.", labels=["version", "python_version"])
    ours.add_metric(["1.2.3", "3.11.7"], 1.0)
    library = InfoMetricFamily("probe_build", "An info metric.")
    library.add_metric([], {"version": "1.2.3", "python_version": "3.11.7"})
    assert encoding.choose(accept)[0](registry_of(ours)) == choose_encoder(accept or "")[0](registry_of(library))
