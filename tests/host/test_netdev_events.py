"""netdev with link events: /proc/net/dev and rx_nohandler at every collection; the listing of
/sys/class/net and the operstate reads only after an event, for an interface not seen before, or
every FULL_EVERY seconds. On this host's own veth pair, up/down and add/remove are seen at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exporter.config import NetworkConfig, config_from_dict
from exporter.host import network
from exporter.host.context import CollectorContext
from exporter.host.netclass import FULL_EVERY
from exporter.host.network import NetDevReader
from exporter.host.paths import HostPaths
from tests.support.host_tree import write_tree
from tests.support.links import FakeEvents, ip_link, poll, veth_pair

HEAD = "Inter-| Receive | Transmit\n face |bytes ... |bytes ...\n"


def _dev(**lines: int) -> str:
    return HEAD + "".join(f"  {name}: {rx} 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n" for name, rx in lines.items())


def _sys(name: str, operstate: str, nohandler: int) -> dict[str, str]:
    return {f"sys/class/net/{name}/operstate": operstate + "\n",
            f"sys/class/net/{name}/statistics/rx_nohandler": f"{nohandler}\n"}


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[tuple[Path, FakeEvents, list[float], NetDevReader]]:
    write_tree(tmp_path, {"proc/1/net/dev": _dev(eth0=1), **_sys("eth0", "up", 1)})
    events, now = FakeEvents(), [1000.0]
    reader = NetDevReader(HostPaths(str(tmp_path)), NetworkConfig(), events, lambda: now[0])
    try:
        yield tmp_path, events, now, reader
    finally:
        reader.close()


def _eth0(reader: NetDevReader) -> tuple[int, int | None, bool]:
    [n] = [n for n in reader() if n.device == "eth0"]
    return n.receive_bytes, n.receive_nohandler, n.up


def test_counters_every_time_operstate_after_an_event(tree) -> None:
    root, events, _now, reader = tree
    assert _eth0(reader) == (1, 1, True) and reader.full_reads == 1
    write_tree(root, {"proc/1/net/dev": _dev(eth0=5), **_sys("eth0", "down", 2)})
    assert _eth0(reader) == (5, 2, True)  # operstate is announced by an event on a real host
    assert reader.full_reads == 1
    events.pending = True
    assert _eth0(reader) == (5, 2, False) and reader.full_reads == 2


def test_the_listing_is_checked_against_proc_net_dev(tree) -> None:
    root, events, _now, reader = tree
    reader()
    assert events.confirmed == [True]  # /sys/class/net and /proc/net/dev list the same interfaces
    write_tree(root, {"proc/1/net/dev": _dev(eth0=1, eth9=2)})  # eth9 has no /sys entry: another namespace
    events.pending = True
    reader()
    assert events.confirmed == [True, False]


def test_a_new_interface_and_the_full_every_bound(tree) -> None:
    root, _events, now, reader = tree
    reader()
    write_tree(root, {"proc/1/net/dev": _dev(eth0=1, eth1=3), **_sys("eth1", "up", 0)})
    assert {n.device: n.up for n in reader()} == {"eth0": True, "eth1": True}  # not seen before: a full read
    assert reader.full_reads == 2
    write_tree(root, _sys("eth0", "down", 1))
    now[0] += FULL_EVERY - 1
    assert _eth0(reader)[2] is True
    now[0] += 1
    assert _eth0(reader)[2] is False and reader.full_reads == 3


@pytest.fixture
def veth() -> Iterator[tuple[str, str]]:
    with veth_pair("d") as pair:
        yield pair


@pytest.mark.integration  # runs ip(8) and changes this host's links (its own veth pair)
def test_real_links_up_down_added_removed(veth: tuple[str, str]) -> None:
    a, b = veth
    cfg = config_from_dict({"network": {"device_include": f"^{a[:-1]}"}})
    reader = network.make(CollectorContext(HostPaths(""), cfg))
    try:
        def read() -> dict:
            return {n.device: n.up for n in reader()}

        assert read() == {a: False, b: False}
        ip_link("set", a, "up")
        ip_link("set", b, "up")
        poll(read, lambda g: g == {a: True, b: True}, "both ends up")
        ip_link("set", b, "down")
        poll(read, lambda g: g == {a: False, b: False}, "the peer down: a's operstate lowerlayerdown")
        ip_link("del", a)
        assert read() == {}
    finally:
        reader.close()
