"""The textfile collector and its text-format parser on the cases node_exporter's fixtures lack."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.config import config_from_dict
from exporter.host.registry import enabled_specs
from exporter.host.textfile import read_textfiles
from exporter.host.textfile_format import parse_text
from tests.support.host_tree import samples, write_tree


def by_name(families):
    return {f.name: f for f in families}


def test_parser_keeps_names_escapes_and_timestamps() -> None:
    fams = parse_text('# HELP a Line one\\nand a \\\\ slash\n# TYPE a counter\na{x="q\\"uote",y="new\\nline",} 1 42\n'
                      "b 2\nb{} +Inf\n")
    a, b = fams
    assert (a.name, a.type, a.help) == ("a", "counter", "Line one\nand a \\ slash")
    assert a.samples[0].labels == {"x": 'q"uote', "y": "new\nline"} and a.samples[0].timestamp_ms == 42
    assert b.type == "untyped" and [s.value for s in b.samples] == [2.0, float("inf")]


@pytest.mark.parametrize("text", ["a{x=1} 1\n", "a 1 2 3\n", "# TYPE a nonsense\n", "9a 1\n",
                                  "a 1\n# TYPE a gauge\n", "# HELP a x\n# HELP a y\n", 'a{x="1",x="2"} 1\n'])
def test_parser_refuses_what_go_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="line"):
        parse_text(text)


def test_bad_files_set_the_error_and_the_good_ones_still_count(tmp_path: Path) -> None:
    write_tree(tmp_path, {"good.prom": "good_metric 1\n", "bad.prom": "bad metric\n", "ts.prom": "t 1 123\n",
                          "other.txt": "ignored 1\n"})
    (tmp_path / "binary.prom").write_bytes(b"\xff\xfe 1\n")
    got = samples(read_textfiles(str(tmp_path)))
    assert got[("good_metric", ())] == 1
    assert got[("node_textfile_scrape_error", ())] == 1
    files = {dict(k[1])["file"] for k in got if k[0] == "node_textfile_mtime_seconds"}
    assert files == {str(tmp_path / "good.prom")}
    assert not any(k[0] in ("ignored", "t") for k in got)


def test_counter_without_total_is_untyped_and_repeated_series_are_kept_once(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.prom": "# TYPE jobs counter\njobs 3\n# TYPE x_total counter\nx_total 1\n",
                          "b.prom": "# TYPE x_total counter\nx_total 2\n"})
    fams = by_name(read_textfiles(str(tmp_path)))
    assert fams["jobs"].type == "unknown" and fams["x"].type == "counter"
    got = samples(fams.values())
    assert got[("jobs", ())] == 3 and got[("x_total", ())] == 1  # the first file's value
    assert got[("node_textfile_scrape_error", ())] == 1


def test_histogram_without_inf_bucket_sum_or_count(tmp_path: Path) -> None:
    write_tree(tmp_path, {"h.prom": '# TYPE h histogram\nh_bucket{le="1"} 2\nh_count 5\n'})
    got = samples(read_textfiles(str(tmp_path)))
    assert got[("h_bucket", (("le", "+Inf"),))] == 5 and got[("h_sum", ())] == 0


def test_a_missing_directory_is_a_scrape_error_not_a_failure(tmp_path: Path) -> None:
    got = samples(read_textfiles(str(tmp_path / "nope")))
    assert got == {("node_textfile_scrape_error", ()): 1}


def test_on_by_default_reading_nothing_until_a_directory_is_set(tmp_path: Path) -> None:
    """As node_exporter: with no directory, no file is read and scrape_error says 0."""
    from exporter.host.context import CollectorContext
    from exporter.host.paths import HostPaths
    from exporter.host.textfile import make

    default = config_from_dict({})
    assert "textfile" in [s.name for s in enabled_specs(default)]
    assert samples(make(CollectorContext(HostPaths(), default))()) == {("node_textfile_scrape_error", ()): 0}
    off = config_from_dict({"textfile": {"directory": str(tmp_path)}, "disabled_collectors": ["textfile"]})
    assert "textfile" not in [s.name for s in enabled_specs(off)]
