"""The encoder's segment cache (encoding._segment) and the families handed out again
(families.KeptFamilies, host_families' meminfo, SelfCollector): what is unchanged is
served from what was kept, what changed is always rendered anew."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from exporter.config import config_from_dict
from exporter.exposition import encoding, host_families
from exporter.exposition.families import CounterFamily, GaugeFamily, KeptFamilies
from exporter.exposition.self_metrics import SelfCollector
from exporter.host.scalars import Scalars
from exporter.host.self_process import SelfProcess
from exporter.runtime import build_runtime
from tests.exposition.test_encoding import ACCEPTS
from tests.support.snapshots import snapshot


class Segmented(Collector):
    """A registry handing out fixed segments, and the same families as one stream to the library."""

    def __init__(self, segments: list[tuple[str, tuple[Metric, ...]]]) -> None:
        self._segments = segments

    def collect(self) -> Iterator[Metric]:
        for _, families in self._segments:
            yield from families

    def segments(self) -> Iterable[tuple[str, Iterable[Metric]]]:
        return self._segments


@pytest.mark.parametrize("accept", ACCEPTS)
def test_the_exporters_segments_are_rendered_as_the_library_renders_their_families(accept: str | None) -> None:
    runtime = build_runtime(config_from_dict({"dirsize": {"enabled": False}, "history": {"enabled": False}}))
    try:
        for _ in range(3):  # the second and third Readings find most segments kept
            runtime.sampler.latest(max_age=0)
            registry = Segmented([(key, tuple(fams)) for key, fams in runtime.exposition.segments()])
            assert encoding.choose(accept)[0](registry) == choose_encoder(accept or "")[0](registry)
    finally:
        runtime.stop()


def segment_text(key: str, metrics: Iterable[Metric], openmetrics: bool) -> str:
    return encoding._segment(key, metrics, openmetrics).decode()


def scalars_segment(scalars: Scalars, b: float) -> list[Metric]:
    return [scalars.family(GaugeFamily, "seg_a", "A.", 1.0), scalars.family(CounterFamily, "seg_b", "B.", b)]


@pytest.mark.parametrize("openmetrics", [False, True])
def test_an_unchanged_segment_is_its_kept_text_and_a_changed_one_is_rendered(openmetrics: bool) -> None:
    scalars = Scalars()
    first = encoding._segment("test:scalars", scalars_segment(scalars, 2.0), openmetrics)
    assert encoding._segment("test:scalars", scalars_segment(scalars, 2.0), openmetrics) is first
    moved = segment_text("test:scalars", scalars_segment(scalars, 3.0), openmetrics)
    assert "seg_b_total 3.0\n" in moved and "seg_b_total 2.0" not in moved and "seg_a 1.0\n" in moved


def test_only_the_families_that_changed_are_written_again_and_in_their_place() -> None:
    scalars = Scalars()

    def segment(b: float) -> str:
        values = (("x", 1.0), ("y", b), ("z", 3.0))
        fams = [scalars.family(GaugeFamily, f"seg_{name}", "S.", value) for name, value in values]
        return segment_text("test:partial", fams, False)

    first = segment(2.0)
    assert segment(2.0) == first
    assert segment(5.0) == first.replace("seg_y 2.0\n", "seg_y 5.0\n") != first


def test_a_library_metric_in_a_segment_is_written_anew_every_time() -> None:
    library = GaugeMetricFamily("seg_library", "Library.", labels=["x"])
    library.add_metric(["a"], 1.0)
    kept = Scalars().family(GaugeFamily, "seg_kept", "Kept.", 1.0)
    assert 'seg_library{x="a"} 1.0\n' in segment_text("test:library", [kept, library], False)
    library.samples[0] = library.samples[0]._replace(value=7.0)  # the same object, changed
    assert 'seg_library{x="a"} 7.0\n' in segment_text("test:library", [kept, library], False)


def test_a_kept_family_given_a_row_afterwards_is_rendered_again() -> None:
    fam = KeptFamilies().family(GaugeFamily, "seg_rows", "Rows.", ("x",), [(("a",), 1.0)])
    assert 'seg_rows{x="b"}' not in segment_text("test:rows", [fam], False)
    fam.add_metric(("b",), 2.0)  # drops its kept blocks: the same object no longer has the same text
    assert 'seg_rows{x="b"} 2.0\n' in segment_text("test:rows", [fam], False)


def test_a_family_not_marked_reused_is_never_served_from_the_segment_cache() -> None:
    fam = GaugeFamily("seg_plain", "Plain.", labels=["x"])
    fam.add_metric(["a"], 1.0)
    assert 'seg_plain{x="a"} 1.0\n' in segment_text("test:plain", [fam], False)
    fam.rows[0] = (["a"], 5.0)  # changed in place: only a reused family promises not to change
    assert 'seg_plain{x="a"} 5.0\n' in segment_text("test:plain", [fam], False)


def test_kept_families_are_the_same_object_only_while_everything_is_equal() -> None:
    kept = KeptFamilies()
    first = kept.family(GaugeFamily, "kept_g", "G.", ("x",), [(("a",), 1.0)])
    assert first.reused
    assert kept.family(GaugeFamily, "kept_g", "G.", ("x",), [(("a",), 1.0)]) is first
    moved = kept.family(GaugeFamily, "kept_g", "G.", ("x",), [(("a",), 2.0)])
    assert moved is not first and moved.rows == [(("a",), 2.0)]
    assert kept.family(GaugeFamily, "kept_g", "Other help.", ("x",), [(("a",), 2.0)]) is not moved
    assert kept.family(CounterFamily, "kept_g", "Other help.", ("x",), [(("a",), 2.0)]).type == "counter"
    assert kept.family(CounterFamily, "kept_g", "Other help.", ("y",), [(("a",), 2.0)]).labelnames == ("y",)


def memory_families(mem_available: int) -> dict[str, Metric]:
    return {f.name: f for f in host_families._memory(snapshot(mem_available=mem_available))}


def test_a_meminfo_field_that_did_not_move_is_the_same_family_and_one_that_moved_is_new() -> None:
    first = memory_families(mem_available=6 * 2**30)
    again = memory_families(mem_available=6 * 2**30)
    assert again["node_memory_MemTotal_bytes"] is first["node_memory_MemTotal_bytes"]
    assert again["node_memory_MemAvailable_bytes"] is first["node_memory_MemAvailable_bytes"]
    moved = memory_families(mem_available=5 * 2**30)
    assert moved["node_memory_MemTotal_bytes"] is first["node_memory_MemTotal_bytes"]
    assert moved["node_memory_MemAvailable_bytes"].samples[0].value == 5 * 2**30
    assert moved["node_memory_HugePages_Total"].samples[0].value == 0  # a count: no _bytes


def own_process(cpu: float) -> SelfProcess:
    return SelfProcess(virtual_memory_bytes=1e9, resident_memory_bytes=5e7, start_time_seconds=1.7e9,
                       cpu_seconds=cpu, open_fds=12.0, max_fds=1024.0, virtual_memory_max_bytes=2.0**64 - 1)


def test_our_process_families_move_only_with_their_values() -> None:
    readings = [own_process(1.0), own_process(1.0), own_process(2.5)]
    collector = SelfCollector()
    collector._read = lambda: readings.pop(0)  # type: ignore[assignment]  # a fixed reading
    first, again, moved = ({f.name: f for f in collector.collect()} for _ in range(3))
    assert again == first and all(again[name] is first[name] for name in first)
    assert moved["process_cpu_seconds"] is not first["process_cpu_seconds"]
    assert moved["process_cpu_seconds"].samples[0].value == 2.5
    assert moved["process_max_fds"] is first["process_max_fds"]


def test_a_column_family_is_kept_while_its_label_list_and_values_stand() -> None:
    kept = KeptFamilies()
    labels = kept.labels("test:area", [("a",), ("b",)])
    first = kept.column_family(GaugeFamily, "col_g", "C.", ("x",), labels, (1.0, 2.0))
    assert first.rows == [(("a",), 1.0), (("b",), 2.0)] and first.reused
    again_labels = kept.labels("test:area", [("a",), ("b",)])
    assert again_labels is labels  # equal: the list handed in before, so families compare it by identity
    assert kept.column_family(GaugeFamily, "col_g", "C.", ("x",), again_labels, (1.0, 2.0)) is first
    moved = kept.column_family(GaugeFamily, "col_g", "C.", ("x",), again_labels, (1.0, 3.0))
    assert moved is not first and moved.rows == [(("a",), 1.0), (("b",), 3.0)]
    renamed = kept.labels("test:area", [("a",), ("c",)])
    assert renamed is not labels
    relabelled = kept.column_family(GaugeFamily, "col_g", "C.", ("x",), renamed, (1.0, 3.0))
    assert relabelled.rows == [(("a",), 1.0), (("c",), 3.0)]


def test_the_areas_hand_out_their_families_again_only_while_unchanged() -> None:
    from exporter.sampling.reading import make_reading
    from exporter.sampling.snapshot import Snapshot

    def families(snap: Snapshot) -> dict[str, Any]:
        return {f.name: f for f in host_families.reading_families(make_reading(None, snap), 0, None)}

    first = families(snapshot(1))
    again = families(snapshot(1))
    moved = families(snapshot(2))  # eth0's bytes and packets move with the sequence number
    for name in ("node_network_receive_bytes", "node_network_receive_errs", "node_filesystem_size_bytes",
                 "node_scrape_collector_success"):
        assert again[name] is first[name], name
    assert moved["node_network_receive_errs"] is first["node_network_receive_errs"]
    assert moved["node_network_receive_bytes"] is not first["node_network_receive_bytes"]
    assert (("eth0",), 2000) in moved["node_network_receive_bytes"].rows


def test_an_area_whose_input_is_unchanged_hands_out_the_same_tuple_and_its_segment_the_same_text() -> None:
    first = host_families._memory(snapshot(mem_available=3 * 2**30))
    assert host_families._memory(snapshot(mem_available=3 * 2**30)) is first
    text = encoding._segment("test:meminfo", first, False)
    assert encoding._segment("test:meminfo", first, False) is text
    moved = host_families._memory(snapshot(mem_available=4 * 2**30))
    assert moved is not first
    assert "node_memory_MemAvailable_bytes 4.294967296e+09\n" in segment_text("test:meminfo", moved, False)


def test_the_same_tuple_is_written_again_when_one_of_its_families_was_edited() -> None:
    fams = (KeptFamilies().family(GaugeFamily, "seg_tuple", "T.", ("x",), [(("a",), 1.0)]),)
    encoding._segment("test:tuple", fams, False)
    fams[0].add_metric(("b",), 2.0)
    assert 'seg_tuple{x="b"} 2.0\n' in segment_text("test:tuple", fams, False)


def test_uname_and_our_process_hand_out_the_same_tuple_only_while_unchanged() -> None:
    from dataclasses import replace

    snap = snapshot()
    first = host_families._system(snap)
    assert host_families._system(snapshot()) is first
    assert snap.uname is not None
    renamed = host_families._system(replace(snap, uname=replace(snap.uname, nodename="elsewhere")))
    assert renamed is not first and list(renamed)[0].samples[0].labels["nodename"] == "elsewhere"

    readings = [own_process(1.0), own_process(1.0), own_process(2.0)]
    collector = SelfCollector()
    collector._read = lambda: readings.pop(0)  # type: ignore[assignment]  # a fixed reading
    mine = collector.collect()
    assert collector.collect() is mine
    assert collector.collect() is not mine
