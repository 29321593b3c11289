"""entropy: available bits and pool size."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.host import entropy
from tests.support.host_tree import collect, context, samples, write_tree


def test_entropy(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"proc/sys/kernel/random/entropy_avail": "1337\n",
                                 "proc/sys/kernel/random/poolsize": "4096\n"})
    assert collect(entropy.make, root) == {("node_entropy_available_bits", ()): 1337,
                                           ("node_entropy_pool_size_bits", ()): 4096}


def test_kept_open_follows_the_value_and_a_missing_file_is_unavailable(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"proc/sys/kernel/random/entropy_avail": "256\n",
                                 "proc/sys/kernel/random/poolsize": "256\n"})
    reader = entropy.make(context(root))
    assert samples(reader())[("node_entropy_available_bits", ())] == 256
    (root / "proc/sys/kernel/random/entropy_avail").write_text("255\n")  # in place: same inode, new value
    assert samples(reader())[("node_entropy_available_bits", ())] == 255
    reader.close()
    with pytest.raises(FileNotFoundError):
        entropy.make(context(tmp_path / "elsewhere"))()
