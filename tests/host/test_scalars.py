"""Single-value families are handed out again only while their value is the same."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from exporter.exposition.families import CounterFamily, Family, GaugeFamily, UntypedFamily
from exporter.host import vmstat
from exporter.host.scalars import Scalars
from tests.support.host_tree import context, write_tree


def _lines(fams: Sequence[Family]) -> list[str]:
    out: list[str] = []
    for fam in fams:
        fam.render_rows(out)
    return out


def test_the_same_value_is_the_same_family_and_a_new_value_a_new_one() -> None:
    s = Scalars()
    first = s.family(GaugeFamily, "node_x", "X.", 3.0)
    assert s.family(GaugeFamily, "node_x", "X.", 3.0) is first and first.reused
    assert _lines([first]) == _lines([first]) == ["node_x 3.0\n"]  # rendered once, served again
    moved = s.family(GaugeFamily, "node_x", "X.", 4.0)
    assert moved is not first and _lines([moved]) == ["node_x 4.0\n"]
    assert s.family(GaugeFamily, "node_x", "Other help.", 4.0) is not moved
    assert s.family(CounterFamily, "node_x", "Other help.", 4.0).type == "counter"


def test_zero_signs_and_nan_are_never_confused() -> None:
    s = Scalars()
    zero = s.family(GaugeFamily, "node_z", "Z.", 0.0)
    negative = s.family(GaugeFamily, "node_z", "Z.", -0.0)
    assert negative is not zero and _lines([negative]) == ["node_z -0.0\n"]
    nan = s.family(GaugeFamily, "node_n", "N.", math.nan)
    assert s.family(GaugeFamily, "node_n", "N.", math.nan) is not nan


def test_vmstat_serves_a_moved_counter_and_reuses_the_others(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/vmstat": "pgfault 10\noom_kill 0\n"})
    reader = vmstat.make(context(tmp_path))
    try:
        first = reader()
        write_tree(tmp_path, {"proc/vmstat": "pgfault 11\noom_kill 0\n"})  # in place, as the kernel renders it
        second = reader()
        assert [type(f) for f in second] == [UntypedFamily, UntypedFamily]
        assert second[0] is not first[0] and second[1] is first[1]
        assert _lines(second) == ["node_vmstat_pgfault 11.0\n", "node_vmstat_oom_kill 0.0\n"]
    finally:
        reader.close()


def test_text_family_the_same_text_is_the_same_family_another_value_a_new_one() -> None:
    s = Scalars()
    first = s.text_family(UntypedFamily, "node_y", "Y.", "17")
    assert first.rows == [((), 17.0)] and first.reused
    assert s.text_family(UntypedFamily, "node_y", "Y.", "17") is first
    assert s.text_family(UntypedFamily, "node_y", "Y.", "17.0") is first  # another text, the same value
    moved = s.text_family(UntypedFamily, "node_y", "Y.", "18")
    assert moved is not first and _lines([moved]) == ["node_y 18.0\n"]
    assert s.text_family(UntypedFamily, "node_y", "Other help.", "18") is not moved
    assert s.text_family(GaugeFamily, "node_y", "Other help.", "18").type == "gauge"
