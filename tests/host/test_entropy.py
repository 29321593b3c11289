"""entropy: available bits and pool size."""

from __future__ import annotations

from pathlib import Path

from exporter.host import entropy
from tests.support.host_tree import collect, write_tree


def test_entropy(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"proc/sys/kernel/random/entropy_avail": "1337\n",
                                 "proc/sys/kernel/random/poolsize": "4096\n"})
    assert collect(entropy.make, root) == {("node_entropy_available_bits", ()): 1337,
                                           ("node_entropy_pool_size_bits", ()): 4096}
