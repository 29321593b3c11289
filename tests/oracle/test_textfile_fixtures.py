"""The textfile collector against node_exporter's own textfile cases (fixtures/textfile/*.out).

Each case is a directory of inputs and the exact output node_exporter's textfile
collector gives for it (its file paths relative to node_exporter's collector/ folder,
mtimes set to 1). Ours reads the same directory from the shared folder; the paths in
its output are made relative the same way and the mtimes set to 1, then names, label
sets, values, types and HELP texts are compared.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from exporter.exposition import encoding
from exporter.host.textfile import read_textfiles
from tests.support.node_fixtures import Exposition, differences, fixtures_dir, parse

DIRECTORY = {"glob_extra_dimension": "*_extra_dimension"}  # case → the directory (glob) it reads


def cases() -> list[str]:
    try:
        root = fixtures_dir() / "textfile"
    except pytest.skip.Exception:
        return []
    return sorted(p.stem for p in root.glob("*.out"))


class _Families(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def ours(case: str) -> Exposition:
    root = fixtures_dir()
    families = read_textfiles(str(root / "textfile" / DIRECTORY.get(case, case)))
    encoder, _ = encoding.choose(None)
    text = encoder(_Families(families)).decode().replace(f"{root}/", "fixtures/")
    out = parse(text)
    for key in out.samples:
        if key[0] == "node_textfile_mtime_seconds":
            out.samples[key] = 1.0
    return out


@pytest.mark.parametrize("case", cases() or ["(fixtures absent)"])
def test_textfile_case_matches_node_exporter(case: str) -> None:
    expected = parse((fixtures_dir() / "textfile" / f"{case}.out").read_text())
    got = ours(case)
    everything = ("",)
    problems = differences(expected, got, everything)
    problems += [
        f"help of {name}: ours {got.helps[name]!r}, node_exporter {help_text!r}"
        for name, help_text in expected.helps.items() if got.helps.get(name) != help_text
    ]
    assert not problems, f"{case}:\n" + "\n".join(problems)
    assert expected.samples.keys() == got.samples.keys()  # mtime included (VOLATILE in the e2e file)


@pytest.mark.parametrize("case", cases() or ["(fixtures absent)"])
def test_textfile_case_is_valid_openmetrics(case: str) -> None:
    """OpenMetrics wants each series' samples together (a summary's quantiles, _sum, _count): the
    cases with extra dimensions would otherwise be refused by an OpenMetrics scrape."""
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics

    families = read_textfiles(str(fixtures_dir() / "textfile" / DIRECTORY.get(case, case)))
    encoder, _ = encoding.choose("application/openmetrics-text; version=1.0.0")
    assert list(openmetrics(encoder(_Families(families)).decode()))
