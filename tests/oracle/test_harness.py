"""The oracle harness itself: ttar unpacking and the comparison must be able to fail."""

from __future__ import annotations

from pathlib import Path

from tests.support.node_fixtures import Exposition, differences, parse, unpack_ttar

ARCHIVE = """# Archive created by ttar
Directory: sys
Mode: 755
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/name
Lines: 1
mpathAEOF
Mode: 444
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/uevent
Lines: 2
A=1NULLBYTEB=2
literal \\NULLBYTE and \\EOF
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/empty
Lines: 0
Mode: 600
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/link
SymlinkTo: name
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
"""


def test_unpack_ttar(tmp_path: Path) -> None:
    archive = tmp_path / "a.ttar"
    archive.write_text(ARCHIVE)
    unpack_ttar(archive, tmp_path / "out")
    sys = tmp_path / "out" / "sys"
    assert (sys / "name").read_bytes() == b"mpathA"  # EOF: no final newline
    assert (sys / "uevent").read_bytes() == b"A=1\0B=2\nliteral NULLBYTE and EOF\n"
    assert (sys / "empty").read_bytes() == b""
    assert (sys / "empty").stat().st_mode & 0o777 == 0o600
    assert (sys / "link").is_symlink() and (sys / "link").read_text() == "mpathA"


THEIRS = """# HELP node_a_total A.
# TYPE node_a_total counter
node_a_total{x="1"} 1
node_a_total{x="2"} 2
# HELP node_b B.
# TYPE node_b gauge
node_b 3
# HELP node_c C.
# TYPE node_c gauge
node_c NaN
# HELP node_time_seconds T.
# TYPE node_time_seconds gauge
node_time_seconds 1
"""


def test_differences_agree_on_equal_output() -> None:
    theirs = parse(THEIRS)
    assert differences(theirs, parse(THEIRS), ["node_"]) == []


def test_differences_report_missing_extra_value_and_type() -> None:
    ours = parse(THEIRS.replace('node_a_total{x="2"} 2', 'node_a_total{x="3"} 2')
                 .replace("node_b 3", "node_b 4").replace("node_c gauge", "node_c untyped")
                 .replace("node_time_seconds 1", "node_time_seconds 2"))
    problems = differences(parse(THEIRS), ours, ["node_"])
    assert any(p.startswith("missing ('node_a_total', (('x', '2'),))") for p in problems), problems
    assert any(p.startswith("extra ('node_a_total', (('x', '3'),))") for p in problems), problems
    assert "('node_b', ()): ours 4, node_exporter 3" in problems
    assert "type of node_c: ours unknown, node_exporter gauge" in problems
    assert len(problems) == 4  # node_time_seconds is volatile, not compared


def test_prefixes_restrict_the_comparison() -> None:
    ours = parse(THEIRS.replace("node_b 3", "node_b 4"))
    assert differences(parse(THEIRS), ours, ["node_a"]) == []
    assert differences(parse(THEIRS), ours, ["node_"], exclude=["node_b"]) == []
    assert isinstance(ours, Exposition)
