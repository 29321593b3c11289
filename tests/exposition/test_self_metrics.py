"""Our own process metrics: the names and values prometheus_client's ProcessCollector
gives, counted without listing /proc/self/fd."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, ProcessCollector

from exporter.exposition.self_metrics import SelfCollector
from exporter.host.self_process import open_fds


def samples(collector: object) -> dict[str, float]:
    return {s.name: s.value for m in collector.collect() for s in m.samples}  # type: ignore[attr-defined]


def test_same_series_as_the_librarys_process_collector() -> None:
    ours = samples(SelfCollector())
    library = samples(ProcessCollector(registry=CollectorRegistry()))
    # Plus client_golang's process_virtual_memory_max_bytes, which dashboard 1860 draws.
    assert set(ours) == set(library) | {"process_virtual_memory_max_bytes"}
    for name in ("process_max_fds", "process_start_time_seconds", "process_virtual_memory_bytes"):
        assert ours[name] == library[name]
    # The library counts the descriptor it lists /proc/self/fd with.
    assert abs(ours["process_open_fds"] - library["process_open_fds"]) <= 1


def test_open_descriptors_are_counted() -> None:
    before = open_fds()
    fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(50)]
    try:
        assert open_fds() == before + 50
    finally:
        for fd in fds:
            os.close(fd)
    assert open_fds() == before


def test_the_address_space_limit_is_read_as_client_golang_reads_it() -> None:
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    expected = float(2**64 - 1) if soft == resource.RLIM_INFINITY else float(soft)
    assert samples(SelfCollector())["process_virtual_memory_max_bytes"] == expected


def test_a_changed_open_files_limit_is_seen() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lower = max(64, min(soft, hard) - 7)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lower, hard))
    try:
        assert samples(SelfCollector())["process_max_fds"] == float(lower)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
