"""netdev's full /proc/net/dev counters and netclass's sysfs properties on hand-written trees."""

from __future__ import annotations

import shutil
from pathlib import Path

from exporter.config import NetworkConfig
from exporter.host import netclass
from exporter.host.network import NetDevReader, read_network
from exporter.host.paths import HostPaths
from tests.support.host_tree import collect, context, samples, write_tree

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


def _rendered(families: list) -> list[str]:
    out: list[str] = []
    for fam in families:
        fam.render_rows(out)
    return out


def test_netclass_sees_a_changed_attribute_and_a_replaced_interface(tmp_path: Path) -> None:
    """The families are handed out again only while every attribute reads the same: an MTU that
    changes, and an interface removed and another created under its name, are served at once."""
    write_tree(tmp_path, {**_iface("eth0", operstate="up", flags="0x1003", mtu="1500", ifindex="2"),
                          **_iface("eth1", operstate="down", flags="0x1002", ifindex="3")})
    reader = netclass.make(context(tmp_path))
    try:
        first = reader()
        assert reader() is first  # nothing changed: the same families, rendered once
        assert _rendered(first) == _rendered(reader())
        write_tree(tmp_path, _iface("eth0", mtu="9000"))  # written in place, as sysfs changes a value
        changed = samples(reader())
        assert changed[("node_network_mtu_bytes", (("device", "eth0"),))] == 9000
        assert 'node_network_mtu_bytes{device="eth0"} 9000.0\n' in _rendered(reader())

        shutil.rmtree(tmp_path / "sys/class/net/eth1")  # eth1 goes away, another interface takes its name
        write_tree(tmp_path, _iface("eth1", operstate="up", flags="0x1003", ifindex="7", mtu="1400"))
        got = samples(reader())
        assert got[("node_network_iface_id", (("device", "eth1"),))] == 7
        assert got[("node_network_mtu_bytes", (("device", "eth1"),))] == 1400  # absent before: now read
        assert got[("node_network_up", (("device", "eth1"),))] == 1

        shutil.rmtree(tmp_path / "sys/class/net/eth1")
        got = samples(reader())
        assert {dict(k[1])["device"] for k in got if k[0] != "node_network_info"} == {"eth0"}
    finally:
        reader.close()


def test_netdev_sees_operstate_and_nohandler_change(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/1/net/dev": NET_DEV, "sys/class/net/eth0/statistics/rx_nohandler": "17\n",
                          "sys/class/net/eth0/operstate": "up\n"})
    reader = NetDevReader(HostPaths(str(tmp_path)), NetworkConfig())
    try:
        assert [(n.up, n.receive_nohandler) for n in reader() if n.device == "eth0"] == [(True, 17)]
        write_tree(tmp_path, {"sys/class/net/eth0/statistics/rx_nohandler": "18\n",
                              "sys/class/net/eth0/operstate": "down\n"})
        assert [(n.up, n.receive_nohandler) for n in reader() if n.device == "eth0"] == [(False, 18)]
        shutil.rmtree(tmp_path / "sys/class/net/eth0")
        assert [(n.up, n.receive_nohandler) for n in reader() if n.device == "eth0"] == [(False, None)]
    finally:
        reader.close()


def test_netdev_hands_an_idle_interface_the_same_reading_and_sees_counters_move(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/1/net/dev": NET_DEV, "sys/class/net/eth0/operstate": "up\n"})
    reader = NetDevReader(HostPaths(str(tmp_path)), NetworkConfig())
    try:
        first = {n.device: n for n in reader()}
        second = {n.device: n for n in reader()}
        assert second["eth0"] is first["eth0"] and second["wlan0"] is first["wlan0"]
        write_tree(tmp_path, {"proc/1/net/dev": NET_DEV.replace("eth0: 1 2", "eth0: 5 2")})
        third = {n.device: n for n in reader()}
        assert third["eth0"].receive_bytes == 5 and third["wlan0"] is first["wlan0"]
    finally:
        reader.close()
