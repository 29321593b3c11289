"""netclass with link events: what no event announces is read at every collection, the rest is
served from the last full reading until an event, an error or FULL_EVERY seconds; on this host's
own links (a veth pair made for the test) every kind of announced change is seen at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from exporter.config import config_from_dict
from exporter.host import netclass
from exporter.host.context import CollectorContext
from exporter.host.link_events import LinkEvents
from exporter.host.paths import HostPaths
from tests.support.host_tree import samples, write_tree
from tests.support.links import FakeEvents, ip_link, poll, veth_pair


def _iface(name: str, **attrs: str) -> dict[str, str]:
    return {f"sys/class/net/{name}/{k}": v + "\n" for k, v in attrs.items()}


def _value(got: dict, metric: str, device: str) -> float | None:
    return got.get((metric, (("device", device),)))


def _info(got: dict, device: str) -> dict[str, str]:
    [labels] = [dict(k[1]) for k in got if k[0] == "node_network_info" and dict(k[1])["device"] == device]
    return labels


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[tuple[Path, FakeEvents, list[float], netclass.NetClassReader]]:
    write_tree(tmp_path, {
        **_iface("eth0", operstate="up", flags="0x1003", mtu="1500", speed="1000", duplex="full",
                 netdev_group="0", ifalias="", carrier_changes="1"),
        **_iface("eth1", operstate="down", flags="0x1002", mtu="1500", netdev_group="0", ifalias="",
                 carrier_changes="1"),
    })
    events, now = FakeEvents(), [1000.0]
    reader = netclass.NetClassReader(HostPaths(str(tmp_path)), re.compile("^$"), False, events, lambda: now[0])
    try:
        yield tmp_path, events, now, reader
    finally:
        reader.close()


def test_unannounced_attributes_are_read_every_time_the_rest_after_an_event(tree) -> None:
    root, events, now, reader = tree
    first = reader()
    assert reader() is first and reader.full_reads == 1  # quiet: the cheap read, same families
    write_tree(root, {**_iface("eth0", speed="10000", duplex="half", netdev_group="3"),
                      **_iface("eth1", netdev_group="4", ifalias="spare", carrier_changes="2")})
    got = samples(reader())
    assert _value(got, "node_network_speed_bytes", "eth0") == 1_250_000_000
    assert _info(got, "eth0")["duplex"] == "half"
    assert _value(got, "node_network_net_dev_group", "eth0") == 3
    # eth1 is down: the kernel announces neither its ifalias nor its carrier counters
    assert _value(got, "node_network_net_dev_group", "eth1") == 4
    assert _info(got, "eth1")["ifalias"] == "spare"
    assert _value(got, "node_network_carrier_changes_total", "eth1") == 2
    assert reader.full_reads == 1

    write_tree(root, _iface("eth0", mtu="9000", ifalias="uplink"))  # announced by an event on a real host
    got = samples(reader())
    assert _value(got, "node_network_mtu_bytes", "eth0") == 1500  # served from the last full reading
    events.pending = True
    got = samples(reader())
    assert _value(got, "node_network_mtu_bytes", "eth0") == 9000
    assert _info(got, "eth0")["ifalias"] == "uplink"
    assert reader.full_reads == 2


def test_full_read_at_least_every_full_every_seconds(tree) -> None:
    root, _events, now, reader = tree
    reader()
    write_tree(root, _iface("eth0", mtu="9000"))  # a driver changing something without an event
    now[0] += netclass.FULL_EVERY - 1
    assert _value(samples(reader()), "node_network_mtu_bytes", "eth0") == 1500
    now[0] += 1
    assert _value(samples(reader()), "node_network_mtu_bytes", "eth0") == 9000
    assert reader.full_reads == 2


def test_with_a_root_prefix_nothing_listens(tmp_path: Path) -> None:
    write_tree(tmp_path, _iface("eth0", operstate="up", mtu="1500"))
    ctx = CollectorContext(HostPaths(str(tmp_path)), config_from_dict({"root_prefix": str(tmp_path)}))
    reader = netclass.make(ctx)
    try:
        reader()
        write_tree(tmp_path, _iface("eth0", mtu="9000"))
        assert _value(samples(reader()), "node_network_mtu_bytes", "eth0") == 9000
        assert reader.full_reads == 2
    finally:
        reader.close()


# --- this host's own links -------------------------------------------------------------------

@pytest.fixture
def veth() -> Iterator[tuple[str, str]]:
    with veth_pair("t") as pair:
        yield pair


@pytest.mark.integration  # runs ip(8) and changes this host's links (its own veth pair)
def test_changes_of_real_links_are_seen_at_the_next_collection(veth: tuple[str, str]) -> None:
    a, b = veth
    ctx = CollectorContext(HostPaths(""), config_from_dict({"netclass": {"ignored_devices": f"^(?!{a[:-1]})"}}))
    reader = netclass.make(ctx)
    try:
        assert LinkEvents.open() is not None, "root can make an rtnetlink socket"

        def read() -> dict:
            return samples(reader())

        got = read()
        assert {dict(k[1])["device"] for k in got} == {a, b}
        assert _value(got, "node_network_up", a) == 0
        assert reader.listening  # /sys/class/net is this namespace's: the events are used
        ip_link("set", a, "mtu", "1400")
        assert _value(read(), "node_network_mtu_bytes", a) == 1400
        ip_link("set", a, "address", "02:c3:00:00:00:01")
        assert _info(read(), a)["address"] == "02:c3:00:00:00:01"
        ip_link("set", a, "alias", "down-alias")  # a down link's ifalias: no event, re-read every time
        assert _info(read(), a)["ifalias"] == "down-alias"
        ip_link("set", a, "up")
        ip_link("set", b, "up")
        got = poll(read, lambda g: _value(g, "node_network_up", a) == 1 and _value(g, "node_network_carrier", a) == 1,
                    "both ends up: carrier and operstate up")
        assert _info(got, a)["adminstate"] == "up"
        ip_link("set", a, "alias", "up-alias")
        assert _info(read(), a)["ifalias"] == "up-alias"
        ip_link("set", a, "txqueuelen", "77")
        assert _value(read(), "node_network_transmit_queue_length", a) == 77
        ip_link("set", b, "down")  # the peer goes down: a loses its carrier
        poll(read, lambda g: _value(g, "node_network_up", a) == 0, "peer down: operstate lowerlayerdown")
        c = a[:-1] + "c"
        ip_link("add", c, "type", "veth", "peer", "name", a[:-1] + "d")
        try:
            assert c in {dict(k[1])["device"] for k in read()}
        finally:
            ip_link("del", c)
        assert c not in {dict(k[1])["device"] for k in read()}
        assert reader.listening  # every full read saw this namespace's links
    finally:
        reader.close()


@pytest.mark.integration  # runs ip(8) and changes this host's links (its own veth pair)
def test_a_cheap_read_that_fails_reads_everything(veth: tuple[str, str]) -> None:
    """A link removed with its event not seen (here: no events at all): its kept descriptors fail
    (ENODEV), and the collection lists and reads everything instead."""
    a, b = veth
    events = FakeEvents()
    reader = netclass.NetClassReader(HostPaths(""), re.compile(f"^(?!{a[:-1]})"), False, events)
    try:
        assert {dict(k[1])["device"] for k in samples(reader())} == {a, b}
        reader()
        assert reader.full_reads == 1
        ip_link("del", a)
        assert {dict(k[1])["device"] for k in samples(reader())} == set()
        assert reader.full_reads == 2
    finally:
        reader.close()


def test_link_events_stop_after_two_full_reads_of_another_namespace() -> None:
    events = LinkEvents.open()
    assert events is not None, "root can make an rtnetlink socket"
    try:
        events.changed()
        events.confirm(False)  # a full read whose links are not this namespace's
        assert events.changed() and events.listening  # the next collection reads everything
        events.confirm(True)
        events.confirm(False)
        assert events.listening  # not twice in a row
        events.confirm(False)
        assert not events.listening and events.changed() and events.changed()  # every collection: a full read
    finally:
        events.close()


def test_a_tree_that_is_not_this_namespace_is_reported(tree) -> None:
    _root, events, _now, reader = tree
    reader()
    assert events.confirmed == [False]  # the tree's eth0/eth1 are not this host's links


def test_once_the_events_stop_no_namespace_check_is_made(tmp_path: Path) -> None:
    write_tree(tmp_path, _iface("eth0", operstate="up", flags="0x1003", ifindex="2"))
    events = LinkEvents.open()
    assert events is not None
    reader = netclass.NetClassReader(HostPaths(str(tmp_path)), re.compile("^$"), False, events)
    try:
        reader()  # the tree is not this namespace: a miss, and the next collection reads everything
        assert reader.listening
        reader()  # a second miss in a row: the socket is closed
        assert not reader.listening
        first = reader.full_reads
        reader()
        reader()
        assert reader.full_reads == first + 2  # every collection reads everything, as without events
    finally:
        reader.close()
