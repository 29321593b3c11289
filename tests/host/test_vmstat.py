"""vmstat: node_exporter's default field filter, untyped families."""

from __future__ import annotations

from pathlib import Path

from exporter.exposition.encoding import choose
from exporter.host import vmstat
from tests.support.host_tree import context, samples, write_tree

VMSTAT = "nr_free_pages 977769\npgpgin 7344136\npgmajfault 507162\npswpout 0\noom_kill 1\nthp_fault_alloc 3\n"


def test_default_filter_and_untyped(tmp_path: Path) -> None:
    fams = vmstat.make(context(write_tree(tmp_path, {"proc/vmstat": VMSTAT})))()
    assert samples(fams) == {
        ("node_vmstat_pgpgin", ()): 7344136,
        ("node_vmstat_pgmajfault", ()): 507162,
        ("node_vmstat_pswpout", ()): 0,
        ("node_vmstat_oom_kill", ()): 1,
    }
    class Fams:
        def collect(self):
            return fams
    encoder, _ = choose(None)
    assert "# TYPE node_vmstat_pgpgin untyped\n" in encoder(Fams()).decode()


def test_fields_setting(tmp_path: Path) -> None:
    fams = vmstat.make(context(write_tree(tmp_path, {"proc/vmstat": VMSTAT}), vmstat={"fields": "^nr_"}))()
    assert samples(fams) == {("node_vmstat_nr_free_pages", ()): 977769}


def test_values_names_and_line_shapes_that_change_are_seen(tmp_path: Path) -> None:
    """The remembered names serve only a file with exactly those names, one "name value" per line."""
    write_tree(tmp_path, {"proc/vmstat": VMSTAT})
    reader = vmstat.make(context(tmp_path))
    try:
        assert samples(reader())[("node_vmstat_oom_kill", ())] == 1
        write_tree(tmp_path, {"proc/vmstat": VMSTAT.replace("oom_kill 1", "oom_kill 2")})
        assert samples(reader())[("node_vmstat_oom_kill", ())] == 2
        write_tree(tmp_path, {"proc/vmstat": "pswpin 5\n" + VMSTAT})  # a name added before the others
        got = samples(reader())
        assert got[("node_vmstat_pswpin", ())] == 5 and got[("node_vmstat_oom_kill", ())] == 1
        write_tree(tmp_path, {"proc/vmstat": "pswpin 6\npgpgin 7\n"})  # names removed
        assert samples(reader()) == {("node_vmstat_pswpin", ()): 6, ("node_vmstat_pgpgin", ()): 7}
        write_tree(tmp_path, {"proc/vmstat": "pswpin 6 pgpgin\n7\n"})  # same tokens, other lines: parsed as lines
        try:
            reader()
            raise AssertionError("a malformed line must fail as it always did")
        except ValueError:
            pass
    finally:
        reader.close()
