"""exporter.exposition.families: which names the fast path writes itself, and how it writes values."""

from __future__ import annotations

import pytest
from prometheus_client.utils import floatToGoString

from exporter.exposition.families import GaugeFamily, Unrenderable, check_name, go_values


@pytest.mark.parametrize("name", ["node_cpu_seconds_total", "_private", "a", "A9_b", "le", "quantile"])
def test_label_names_of_the_data_model_are_written(name: str) -> None:
    check_name(name)


@pytest.mark.parametrize("name", ["", "9lives", "a:b", "a-b", "a b", "é", "__reserved", "name\n", "a.b"])
def test_other_names_go_to_the_library(name: str) -> None:
    with pytest.raises(Unrenderable):
        check_name(name)


AWKWARD_FLOATS = [0.0, -0.0, 1.5, 999_999.9, 1e6, 1234567.0, 1e15, 1e16, 1e21, -1e21, 1e-7, 2.0**53, float("inf"),
                  float("-inf"), float("nan"), 0.1, -2.5]
AWKWARD_INTS = [0, 3, -7, 999_999, 1_000_000, -999_999, -1_000_000, 123_456_789, 10**15, 2**53, 2**53 + 1, -(2**53) - 1,
                10**17, -(10**17)]


@pytest.mark.parametrize("odd", AWKWARD_FLOATS + AWKWARD_INTS + [True, None])
def test_a_list_of_values_is_written_as_floatToGoString_writes_each(odd: object) -> None:
    """Each awkward value among plain floats, and among plain ints: the one-map path must not take
    a list it would write differently."""
    for plain in ([0.25, 3.5, 1e-3], [1, 2, 3]):
        values = [*plain, odd] if odd is not None else plain
        assert go_values(values) == [floatToGoString(v) for v in values]


def test_lists_of_one_kind_are_written_as_floatToGoString_writes_them() -> None:
    for values in (AWKWARD_FLOATS, AWKWARD_INTS, [], [float(i) / 7 for i in range(100)], list(range(-50, 50))):
        assert go_values(values) == [floatToGoString(v) for v in values]


def test_rows_that_change_places_keep_their_own_labels() -> None:
    def text(rows: list[tuple[tuple[str, str], float]]) -> str:
        fam = GaugeFamily("moving_rows", "Rows that move.", labels=["name", "a"])
        for labels, value in rows:
            fam.add_metric(labels, value)
        return fam.rendered().text

    first = text([(("x", 'q"uote'), 1.0), (("y", "1"), 2.0)])
    assert first == 'moving_rows{a="q\\"uote",name="x"} 1.0\nmoving_rows{a="1",name="y"} 2.0\n'
    swapped = text([(("y", "1"), 2.0), (("x", 'q"uote'), 3.0), (("z", "2"), 4.0)])
    assert swapped == ('moving_rows{a="1",name="y"} 2.0\nmoving_rows{a="q\\"uote",name="x"} 3.0\n'
                       'moving_rows{a="2",name="z"} 4.0\n')
    assert text([(("x", "other"), 1.0)]) == 'moving_rows{a="other",name="x"} 1.0\n'
