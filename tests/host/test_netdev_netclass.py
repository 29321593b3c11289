"""netdev's full /proc/net/dev counters and netclass's sysfs properties on hand-written trees."""

from __future__ import annotations

from pathlib import Path

from exporter.config import NetworkConfig
from exporter.host import netclass
from exporter.host.network import read_network
from exporter.host.paths import HostPaths
from tests.support.host_tree import collect, write_tree

NET_DEV = (
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier"
    " compressed\n"
    "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
    "  wlan0: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
)


def test_netdev_reads_every_column_and_nohandler(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/1/net/dev": NET_DEV, "sys/class/net/eth0/statistics/rx_nohandler": "17\n",
                          "sys/class/net/eth0/operstate": "up\n"})
    nets = {n.device: n for n in read_network(HostPaths(str(tmp_path)), NetworkConfig())}
    eth0 = nets["eth0"]
    assert [getattr(eth0, c) for c in eth0.COUNTERS] == [1, 2, 3, 4, 5, 6, 7, 8, 17, 9, 10, 11, 12, 13, 14, 15, 16]
    assert eth0.up and not nets["wlan0"].up
    assert nets["wlan0"].receive_nohandler is None


def test_netdev_device_include(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/1/net/dev": NET_DEV})
    cfg = NetworkConfig(device_include="^wlan")  # type: ignore[arg-type]
    assert [n.device for n in read_network(HostPaths(str(tmp_path)), cfg)] == ["wlan0"]


def _iface(name: str, **attrs: str) -> dict[str, str]:
    return {f"sys/class/net/{name}/{k}": v + "\n" for k, v in attrs.items()}


def test_netclass_properties_missing_attributes_and_speed(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        **_iface("eth0", operstate="up", flags="0x1003", address="aa:bb", mtu="1500", speed="1000",
                 carrier_changes="3"),
        **_iface("veth1", operstate="down", flags="0x1002", speed="-1"),
        "sys/class/net/bonding_masters": "bond0\n",
    })
    got = collect(netclass.make, tmp_path)
    assert got[("node_network_up", (("device", "eth0"),))] == 1
    assert got[("node_network_up", (("device", "veth1"),))] == 0
    assert got[("node_network_info", (("address", "aa:bb"), ("adminstate", "up"), ("broadcast", ""),
                                      ("device", "eth0"), ("duplex", ""), ("ifalias", ""),
                                      ("operstate", "up")))] == 1
    assert got[("node_network_info", (("address", ""), ("adminstate", "down"), ("broadcast", ""),
                                      ("device", "veth1"), ("duplex", ""), ("ifalias", ""),
                                      ("operstate", "down")))] == 1
    assert got[("node_network_flags", (("device", "eth0"),))] == 0x1003
    assert got[("node_network_carrier_changes_total", (("device", "eth0"),))] == 3
    assert got[("node_network_speed_bytes", (("device", "eth0"),))] == 125_000_000
    assert got[("node_network_speed_bytes", (("device", "veth1"),))] == -125_000  # node_exporter's default
    assert ("node_network_mtu_bytes", (("device", "veth1"),)) not in got  # absent attribute: no series
    assert not any(dict(k[1]).get("device") == "bonding_masters" for k in got)


def test_netclass_ignored_devices_and_invalid_speed(tmp_path: Path) -> None:
    write_tree(tmp_path, {**_iface("eth0", operstate="up", speed="-1"), **_iface("docker0", operstate="up")})
    got = collect(netclass.make, tmp_path, netclass={"ignored_devices": "^docker", "ignore_invalid_speed": True})
    assert {dict(k[1])["device"] for k in got} == {"eth0"}
    assert not any(k[0] == "node_network_speed_bytes" for k in got)
