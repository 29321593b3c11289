"""The small network collectors on hand-written /proc files: the cases the fixture tree lacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.host import arp, conntrack, filefd, netstat, sockstat, softnet, udp_queues
from exporter.host.device_filter import device_filter
from tests.support.host_tree import collect, context, samples, write_tree

NETSTAT = "TcpExt: ListenDrops TW\nTcpExt: 3 7\n"
SNMP = "Tcp: ActiveOpens InErrs\nTcp: 5 1\nUdp: InDatagrams NoPorts\nUdp: 9 2\n"


def test_netstat_without_snmp6_and_with_the_default_filter(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/net/netstat": NETSTAT, "proc/net/snmp": SNMP})
    got = collect(netstat.make, tmp_path)
    assert got == {
        ("node_netstat_TcpExt_ListenDrops", ()): 3.0,
        ("node_netstat_Tcp_ActiveOpens", ()): 5.0,
        ("node_netstat_Tcp_InErrs", ()): 1.0,
        ("node_netstat_Udp_InDatagrams", ()): 9.0,
        ("node_netstat_Udp_NoPorts", ()): 2.0,
    }  # TcpExt_TW is not in node_exporter's default fields


def test_netstat_fields_setting_and_snmp6(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/net/netstat": NETSTAT, "proc/net/snmp": SNMP,
                          "proc/net/snmp6": "Ip6InReceives  7\nUdpLite6InErrors 4\nbogus\n"})
    got = collect(netstat.make, tmp_path, netstat={"fields": "^(TcpExt_TW|Ip6_.*|UdpLite6_.*)$"})
    assert got == {("node_netstat_TcpExt_TW", ()): 7.0, ("node_netstat_Ip6_InReceives", ()): 7.0,
                   ("node_netstat_UdpLite6_InErrors", ()): 4.0}


def test_netstat_mismatched_lines_raise(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/net/netstat": "TcpExt: A B\nTcpExt: 1\n", "proc/net/snmp": SNMP})
    with pytest.raises(ValueError, match="mismatch"):
        collect(netstat.make, tmp_path)


def test_sockstat_ipv4_only_and_both_missing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/net/sockstat": "sockets: used 5\nUDP: inuse 2 mem 3\n"})
    got = collect(sockstat.make, tmp_path)
    assert got == {("node_sockstat_sockets_used", ()): 5.0, ("node_sockstat_UDP_inuse", ()): 2.0,
                   ("node_sockstat_UDP_mem", ()): 3.0,
                   ("node_sockstat_UDP_mem_bytes", ()): 3.0 * sockstat.PAGE_SIZE}
    with pytest.raises(FileNotFoundError):
        collect(sockstat.make, tmp_path / "empty")


def test_sockstat_an_unchanged_line_keeps_its_families_a_changed_one_is_seen(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/net/sockstat": "sockets: used 5\nTCP: inuse 1 alloc 2\nUDP: inuse 2 mem 3\n",
                          "proc/net/sockstat6": "TCP6: inuse 1\n"})
    reader = sockstat.make(context(tmp_path))
    try:
        first = {f.name: f for f in reader()}
        second = {f.name: f for f in reader()}
        assert all(second[n] is first[n] for n in first)
        write_tree(tmp_path, {"proc/net/sockstat": "sockets: used 5\nTCP: inuse 4 alloc 2\nUDP: inuse 2 mem 3\n"})
        third = reader()
        assert samples(third)[("node_sockstat_TCP_inuse", ())] == 4.0
        by_name = {f.name: f for f in third}
        assert by_name["node_sockstat_UDP_inuse"] is first["node_sockstat_UDP_inuse"]
        assert by_name["node_sockstat_TCP6_inuse"] is first["node_sockstat_TCP6_inuse"]
        assert [f.name for f in third] == list(first)  # the files' order
    finally:
        reader.close()


def test_softnet_kernel_5_10_rows_carry_the_cpu_id(tmp_path: Path) -> None:
    row = " ".join(["0000000a", "00000001", "00000002"] + ["00000000"] * 5 + ["3", "4", "5", "6", "00000007"])
    write_tree(tmp_path, {"proc/net/softnet_stat": row + "\n"})
    got = collect(softnet.make, tmp_path)
    assert got[("node_softnet_processed_total", (("cpu", "7"),))] == 10
    assert got[("node_softnet_received_rps_total", (("cpu", "7"),))] == 4
    assert got[("node_softnet_backlog_len", (("cpu", "7"),))] == 6


def test_softnet_short_rows_are_an_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/net/softnet_stat": "00000001 00000002\n"})
    with pytest.raises(ValueError, match="columns"):
        collect(softnet.make, tmp_path)


def test_udp_queues_both_versions(tmp_path: Path) -> None:
    head = "  sl  local_address rem_address   st tx_queue rx_queue\n"
    line = "   0: 00000000:0016 00000000:0000 07 {}:{} 00:00000000 00000000 0 0 1 2 0\n"
    write_tree(tmp_path, {"proc/net/udp": head + line.format("00000010", "00000001") * 2,
                          "proc/net/udp6": head + line.format("00000000", "000000ff")})
    got = collect(udp_queues.make, tmp_path)
    assert got == {("node_udp_queues", (("ip", "v4"), ("queue", "tx"))): 32,
                   ("node_udp_queues", (("ip", "v4"), ("queue", "rx"))): 2,
                   ("node_udp_queues", (("ip", "v6"), ("queue", "tx"))): 0,
                   ("node_udp_queues", (("ip", "v6"), ("queue", "rx"))): 255}
    with pytest.raises(FileNotFoundError):
        collect(udp_queues.make, tmp_path / "empty")


def test_arp_device_include(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/net/arp": "IP address HW type Flags HW address Mask Device\n"
                          "10.0.0.1 0x1 0x2 aa:bb:cc:dd:ee:ff * eth0\n10.0.0.2 0x1 0x2 aa:bb:cc:dd:ee:00 * wlan0\n"})
    assert collect(arp.make, tmp_path, arp={"device_include": "^eth"}) == {
        ("node_arp_entries", (("device", "eth0"),)): 1}


def test_filefd_and_missing_conntrack(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/sys/fs/file-nr": "10\t0\t99\n"})
    assert collect(filefd.make, tmp_path) == {("node_filefd_allocated", ()): 10.0,
                                               ("node_filefd_maximum", ()): 99.0}
    with pytest.raises(FileNotFoundError):  # nf_conntrack not loaded: the collector is not available
        collect(conntrack.make, tmp_path)


@pytest.mark.parametrize(("exclude", "include", "name", "kept"), [
    ("", "", "eth0", True),
    ("^veth", "", "veth1", False),
    ("", "lo", "lo", True),
    ("", "lo", "eth0", False),
    ("", "lo", "vlo2", True),  # unanchored, as node_exporter's Go regexps
])
def test_device_filter(exclude: str, include: str, name: str, kept: bool) -> None:
    assert device_filter(exclude, include)(name) is kept


def test_netstat_sees_new_values_and_a_changed_header(tmp_path: Path) -> None:
    """Columns are planned once per header line: a header that changes (counters added by a newer
    module, reordered) is planned anew, and values are read from every collection."""
    write_tree(tmp_path, {"proc/net/netstat": NETSTAT, "proc/net/snmp": SNMP,
                          "proc/net/snmp6": "Ip6InReceives 7\n"})
    reader = netstat.make(context(tmp_path, netstat={"fields": "^(TcpExt_.*|Tcp_InErrs|Ip6_.*)$"}))
    try:
        assert samples(reader()) == {("node_netstat_TcpExt_ListenDrops", ()): 3.0, ("node_netstat_TcpExt_TW", ()): 7.0,
                                     ("node_netstat_Tcp_InErrs", ()): 1.0, ("node_netstat_Ip6_InReceives", ()): 7.0}
        write_tree(tmp_path, {"proc/net/netstat": "TcpExt: TW New ListenDrops\nTcpExt: 8 1 4\n",
                              "proc/net/snmp": "Tcp: InErrs ActiveOpens\nTcp: 2 6\n",
                              "proc/net/snmp6": "Ip6OutRequests 3\nIp6InReceives 9\n"})
        assert samples(reader()) == {("node_netstat_TcpExt_ListenDrops", ()): 4.0, ("node_netstat_TcpExt_TW", ()): 8.0,
                                     ("node_netstat_TcpExt_New", ()): 1.0, ("node_netstat_Tcp_InErrs", ()): 2.0,
                                     ("node_netstat_Ip6_OutRequests", ()): 3.0,
                                     ("node_netstat_Ip6_InReceives", ()): 9.0}
        write_tree(tmp_path, {"proc/net/snmp6": "Ip6OutRequests \t4\nIp6InReceives 10\n"})  # the same names
        got = samples(reader())
        assert (got[("node_netstat_Ip6_OutRequests", ())], got[("node_netstat_Ip6_InReceives", ())]) == (4.0, 10.0)
        write_tree(tmp_path, {"proc/net/snmp6": "Ip6OutRequests 5 Ip6InReceives\n11\nbogus\n"})  # other lines
        got = samples(reader())
        assert got[("node_netstat_Ip6_OutRequests", ())] == 5.0 and ("node_netstat_Ip6_InReceives", ()) not in got
    finally:
        reader.close()


def test_conntrack_sums_a_changed_statistics_text_and_reuses_an_unchanged_one(tmp_path: Path) -> None:
    header = "entries  found invalid insert drop search_restart\n"
    files = {"proc/sys/net/netfilter/nf_conntrack_count": "3\n", "proc/sys/net/netfilter/nf_conntrack_max": "99\n",
             "proc/net/stat/nf_conntrack": header + "00000003 00000001 0000000a 00000002 00000000 00000000\n"
                                                    "00000003 00000001 00000001 00000002 00000000 00000000\n"}
    write_tree(tmp_path, files)
    reader = conntrack.make(context(tmp_path))
    try:
        first = reader()
        assert samples(first)[("node_nf_conntrack_stat_invalid", ())] == 11
        assert all(a is b for a, b in zip(reader(), first, strict=True))  # the same objects
        write_tree(tmp_path, {"proc/net/stat/nf_conntrack": files["proc/net/stat/nf_conntrack"].replace(
            "00000001 00000001 00000002", "00000001 00000005 00000002")})
        assert samples(reader())[("node_nf_conntrack_stat_invalid", ())] == 15
    finally:
        reader.close()
