"""Our shared metrics agree with Debian's node_exporter on the same host.

Sizes must match exactly; counters within what moves between the two reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporter.config import DiskIOConfig, FilesystemsConfig, NetstatConfig, NetworkConfig
from tests.support.servers import http_get, start_node_exporter

pytestmark = pytest.mark.integration

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]

EXACT = (
    "node_memory_MemTotal_bytes",
    "node_memory_SwapTotal_bytes",
    "node_filesystem_size_bytes",
    "node_filesystem_files",
    "node_filesystem_readonly",
    "node_boot_time_seconds",
    "node_network_up",
    "node_entropy_pool_size_bits",
    "node_os_info",
    "node_os_version",
    "node_time_clocksource_available_info",
    "node_time_clocksource_current_info",
    "node_time_zone_offset_seconds",
    "node_timex_tick_seconds",
    "node_timex_status",
    "node_timex_sync_status",
    "node_timex_tai_offset_seconds",
    "node_timex_loop_time_constant",
    "node_vmstat_pswpin",
    "node_processes_max_processes",
    "node_processes_max_threads",
    "node_vmstat_oom_kill",
    "node_filefd_maximum",
    "node_nf_conntrack_entries_limit",
    "node_netstat_Ip_Forwarding",
    "node_network_mtu_bytes",
    "node_network_iface_id",
    "node_network_flags",
    "node_network_protocol_type",
    "node_network_transmit_queue_length",
)
# Names node_exporter gained after Debian's 1.5 (they are in the newer golden file the fixture
# oracle compares with, tests/oracle); node_network_info also gained its adminstate label since.
NEWER_THAN_1_5 = {
    "node_softnet_cpu_collision_total", "node_softnet_received_rps_total", "node_softnet_flow_limit_count_total",
    "node_softnet_backlog_len",
}
CLOSE = {  # metric → allowed absolute difference between the two reads
    "node_filefd_allocated": 10000,  # host-wide: a parallel suite opens and closes thousands a second
    "node_nf_conntrack_entries": 1000,
    "node_netstat_Tcp_ActiveOpens": 10000,
    "node_netstat_Tcp_InSegs": 10**6,
    "node_netstat_Udp_InDatagrams": 10**6,
    "node_sockstat_sockets_used": 500,
    "node_sockstat_TCP_inuse": 200,
    "node_softnet_processed_total": 10**6,
    "node_udp_queues": 10**6,
    "node_arp_entries": 5,
    "node_network_receive_multicast_total": 10**4,
    "node_network_receive_drop_total": 10**4,
    "node_network_transmit_colls_total": 10**4,
    "node_cpu_seconds_total": 3.0,
    # Memory moves between the two reads as much as the rest of the machine allocates: a
    # parallel test suite on 2 cores moves it by over 100 MiB.
    "node_memory_MemAvailable_bytes": 512 * 1024**2,
    "node_memory_MemFree_bytes": 512 * 1024**2,
    "node_filesystem_avail_bytes": 64 * 1024**2,
    "node_filesystem_free_bytes": 64 * 1024**2,
    "node_disk_read_bytes_total": 64 * 1024**2,
    "node_disk_written_bytes_total": 64 * 1024**2,
    "node_disk_reads_completed_total": 5000,
    "node_network_receive_bytes_total": 10 * 1024**2,
    "node_network_transmit_bytes_total": 10 * 1024**2,
    "node_load1": 1.0,
    "node_time_seconds": 5.0,
    "node_cpu_guest_seconds_total": 3.0,
    "node_forks_total": 5000,
    "node_context_switches_total": 10**7,
    "node_intr_total": 10**7,
    "node_procs_running": 20,
    "node_procs_blocked": 20,
    "node_vmstat_pgfault": 10**8,
    "node_vmstat_pgmajfault": 10**5,
    "node_vmstat_pgpgin": 10**7,
    "node_vmstat_pgpgout": 10**7,
    "node_pressure_cpu_waiting_seconds_total": 60.0,
    "node_pressure_io_waiting_seconds_total": 60.0,
    "node_pressure_io_stalled_seconds_total": 60.0,
    "node_pressure_memory_waiting_seconds_total": 60.0,
    "node_pressure_memory_stalled_seconds_total": 60.0,
    "node_timex_maxerror_seconds": 1.0,
    "node_timex_estimated_error_seconds": 1.0,
    "node_timex_offset_seconds": 0.1,
    "node_timex_frequency_adjustment_ratio": 0.001,
    "node_entropy_available_bits": 4096,
    "node_disk_io_time_seconds_total": 60.0,
    "node_disk_discards_completed_total": 10**5,
    "node_disk_flush_requests_total": 10**5,
    "node_processes_pids": 300,  # other work on the host starts and ends processes between the reads
    "node_processes_threads": 3000,
    "node_interrupts_total": 10**6,
}


def samples(text: str) -> Samples:
    out: Samples = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_shared_metrics_agree(exporter_proc, tmp_path: Path) -> None:
    # Debian patches node_exporter's default exclusions (it also skips /run, /mnt, /media, lo, zram);
    # give it upstream's defaults, which are ours, so both look at the same devices.
    fs = FilesystemsConfig()
    node, node_url = start_node_exporter(
        tmp_path,
        f"--collector.filesystem.mount-points-exclude={fs.mount_points_exclude}",
        f"--collector.filesystem.fs-types-exclude={fs.fs_types_exclude}",
        f"--collector.diskstats.device-exclude={DiskIOConfig().device_exclude}",
        f"--collector.netdev.device-exclude={NetworkConfig().device_exclude}",
        # Debian's 1.5 default leaves out TcpExt_TCPOFOQueue and TCPRcvQDrop; give it today's, which is ours.
        f"--collector.netstat.fields={NetstatConfig().fields}",
        # Off by default in node_exporter; processes is on here, interrupts turned on below.
        "--collector.processes",
        "--collector.interrupts",
    )
    try:
        exp = exporter_proc({"enabled_collectors": ["interrupts"]})
        ours = samples(exp.get("/metrics")[1].decode())
        theirs = samples(http_get(node_url + "/metrics")[1].decode())
    finally:
        node.stop()

    compared = 0
    for name in (*EXACT, *CLOSE):
        their_keys = {k for k in theirs if k[0] == name}
        our_keys = {k for k in ours if k[0] == name}
        assert their_keys, f"node_exporter has no {name}"
        # Same series (same label sets): nothing missing, nothing extra.
        assert our_keys == their_keys, (name, sorted(their_keys ^ our_keys)[:5])
        for key in their_keys:
            compared += 1
            if name in EXACT:
                assert ours[key] == theirs[key], (key, ours[key], theirs[key])
            else:
                assert abs(ours[key] - theirs[key]) <= CLOSE[name], (key, ours[key], theirs[key])
    assert compared > 20

    # Every node_* name we export exists in node_exporter with the same type of sample name.
    their_names = {k[0] for k in theirs}
    ours_node = {k[0] for k in ours if k[0].startswith("node_")}
    assert ours_node - NEWER_THAN_1_5 <= their_names, sorted(ours_node - NEWER_THAN_1_5 - their_names)
