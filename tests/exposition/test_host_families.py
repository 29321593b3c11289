from __future__ import annotations

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from exporter.host.filesystems import Filesystem
from tests.support.snapshots import GiB, proc, snapshot
from tests.support.wiring import ExpositionRegistry, runtime_for


def registry_for(*snaps):
    """The /metrics families after the first snapshot went through the real wiring."""
    runtime = runtime_for(*snaps)
    runtime.sampler.latest()
    return ExpositionRegistry(runtime), runtime.sampler


def test_node_exporter_names_and_values() -> None:
    reg, _ = registry_for(snapshot())
    get = reg.get_sample_value
    assert get("node_cpu_seconds_total", {"cpu": "1", "mode": "user"}) == 20.0
    assert get("node_memory_MemTotal_bytes") == 8 * GiB
    assert get("node_memory_HugePages_Total") == 0
    labels = {"device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/"}
    assert get("node_filesystem_avail_bytes", labels) == 35 * GiB
    assert get("node_filesystem_device_error", labels) == 0
    assert get("node_network_receive_bytes_total", {"device": "eth0"}) == 1000
    assert get("node_network_receive_multicast_total", {"device": "eth0"}) == 0
    assert get("node_network_receive_nohandler_total", {"device": "eth0"}) is None  # not reported: no series
    assert get("node_network_up", {"device": "lo"}) is None  # the netclass collector's, as in node_exporter
    assert get("node_load1") == 0.5
    assert get("node_uname_info", {"nodename": "testhost", "sysname": "Linux", "release": "6.1.0",
                                   "version": "#1 SMP", "machine": "x86_64", "domainname": "(none)"}) == 1
    assert get("node_scrape_collector_success", {"collector": "filesystem"}) == 0
    assert get("node_scrape_collector_success", {"collector": "cpu"}) == 1


def test_failed_filesystem_reports_device_error_only() -> None:
    hung = Filesystem("server:/export", "/mnt/nfs", "nfs4", error="statfs timed out after 5s")
    reg, _ = registry_for(snapshot(filesystems=(hung,)))
    labels = {"device": "server:/export", "fstype": "nfs4", "mountpoint": "/mnt/nfs"}
    assert reg.get_sample_value("node_filesystem_device_error", labels) == 1
    assert reg.get_sample_value("node_filesystem_size_bytes", labels) is None


def test_process_groups_and_top_n() -> None:
    reg, sampler = registry_for(snapshot(1, t=0), snapshot(2, t=1))
    sampler.latest()
    assert reg.get_sample_value("sysmon_process_group_processes", {"groupname": "python3"}) == 1
    assert reg.get_sample_value("sysmon_process_group_cpu_seconds_total", {"groupname": "python3"}) == 50.0
    top = reg.get_sample_value(
        "sysmon_top_process_resident_memory_bytes", {"rank": "1", "pid": "200", "name": "python3", "user": "root"}
    )
    assert top == 300 * 1024**2


def test_every_family_has_help_and_a_type() -> None:
    reg, _ = registry_for(snapshot())
    text = generate_latest(reg).decode()
    families = list(text_string_to_metric_families(text))
    assert len(families) > 40
    for fam in families:
        assert fam.documentation, f"{fam.name} has no HELP"
        assert fam.type in ("counter", "gauge", "info"), fam.name
        if fam.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in fam.samples)


def test_disabled_areas_are_absent_not_zero() -> None:
    from exporter.sampling.snapshot import Snapshot

    reg, _ = registry_for(Snapshot(timestamp=1.0, monotonic=1.0))
    assert reg.get_sample_value("node_memory_MemTotal_bytes") is None
    assert reg.get_sample_value("node_load1") is None
    assert reg.get_sample_value("node_scrape_collector_success", {"collector": "cpu"}) is None


def test_exposition_renders_once_per_reading() -> None:
    from exporter.exposition.cache import Exposition
    from exporter.sampling.process_groups import ProcessGroups
    from exporter.sampling.sampler import Sampler

    calls = []

    def counting():
        calls.append(1)
        return []

    snaps = [snapshot(1), snapshot(2)]
    sampler = Sampler(lambda: snaps.pop(0), max_age=60)
    groups = ProcessGroups(10)
    expo = Exposition(5, groups, [counting])
    sampler.subscribe(groups.on_reading)
    sampler.subscribe(expo.on_reading)
    sampler.latest()
    body1, ctype = expo.render(None, gzip_ok=False)
    body2, _ = expo.render(None, gzip_ok=False)
    gz, _ = expo.render(None, gzip_ok=True)
    om, om_type = expo.render("application/openmetrics-text; version=1.0.0", gzip_ok=False)
    assert body1 is body2 and len(calls) == 2  # text once, OpenMetrics once
    assert ctype.startswith("text/plain") and om_type.startswith("application/openmetrics-text")
    import gzip

    assert gzip.decompress(gz) == body1
    assert om.endswith(b"# EOF\n")


def test_process_groups_advance_on_every_reading_not_only_when_metrics_render() -> None:
    """A process that lives and exits between two scrapes still adds all its seconds to its group."""
    base = (proc(1, "init", 5.0),)
    runtime = runtime_for(
        snapshot(1, t=0, processes=base),
        snapshot(2, t=1, processes=(*base, proc(7, "job", 3.0))),  # seen once, by the ticker say
        snapshot(3, t=2, processes=base),  # exited before any scrape
    )
    for _ in range(3):
        runtime.sampler.latest()
    reg = ExpositionRegistry(runtime)
    assert reg.get_sample_value("sysmon_process_group_cpu_seconds_total", {"groupname": "job"}) == 3.0
    assert reg.get_sample_value("sysmon_process_group_processes", {"groupname": "job"}) == 0
