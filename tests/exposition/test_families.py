"""exporter.exposition.families: which names the fast path writes itself."""

from __future__ import annotations

import pytest

from exporter.exposition.families import Unrenderable, check_name


@pytest.mark.parametrize("name", ["node_cpu_seconds_total", "_private", "a", "A9_b", "le", "quantile"])
def test_label_names_of_the_data_model_are_written(name: str) -> None:
    check_name(name)


@pytest.mark.parametrize("name", ["", "9lives", "a:b", "a-b", "a b", "é", "__reserved", "name\n", "a.b"])
def test_other_names_go_to_the_library(name: str) -> None:
    with pytest.raises(Unrenderable):
        check_name(name)
