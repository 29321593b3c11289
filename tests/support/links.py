"""Link-event doubles and real test links for the netclass and netdev readers.

FakeEvents stands in for exporter.host.link_events.LinkEvents (`pending` is what its next
`changed()` answers; the first answer is True, as the real one's). `veth_pair` makes a veth
pair on this host for a test, as root, and removes it after; it skips the test, naming the
reason, where that cannot be done. `poll` collects until a condition holds, with a deadline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pytest

T = TypeVar("T")


class FakeEvents:
    def __init__(self) -> None:
        self.pending = True
        self.confirmed: list[bool] = []  # what the reader said after each full read

    def changed(self) -> bool:
        changed, self.pending = self.pending, False
        return changed

    def confirm(self, consistent: bool) -> None:
        self.confirmed.append(consistent)

    def close(self) -> None:
        pass


def ip_link(*args: str) -> None:
    subprocess.run(["ip", "link", *args], check=True, capture_output=True, timeout=10)


@contextmanager
def veth_pair(tag: str) -> Iterator[tuple[str, str]]:
    """Two linked interfaces named c3<tag><pid>a and ...b (both down), deleted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create a veth pair")
    if shutil.which("ip") is None:
        pytest.skip("needs `ip` (Debian package iproute2)")
    stem = f"c3{tag}{os.getpid() % 100000}"
    a, b = stem + "a", stem + "b"
    try:
        ip_link("add", a, "type", "veth", "peer", "name", b)
    except subprocess.CalledProcessError as e:
        pytest.skip(f"cannot create a veth pair here: {e.stderr.decode().strip()}")
    try:
        yield a, b
    finally:
        subprocess.run(["ip", "link", "del", a], capture_output=True, timeout=10)


def poll(read: Callable[[], T], check: Callable[[T], bool], what: str, timeout: float = 10.0) -> T:
    """Collect until `check` holds, within `timeout` seconds (linkwatch announces a carrier change
    up to a second after it happened): the last reading."""
    deadline = time.monotonic() + timeout
    while True:
        got = read()
        if check(got) or time.monotonic() > deadline:
            assert check(got), what
            return got
