"""An empty /sys/class directory is listed again only every EMPTY_RECHECK_SECONDS; one with entries
at every collection, so a device that appears is seen within that bound and one that goes away at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.host.class_listing import EMPTY_RECHECK_SECONDS, ClassListing
from exporter.host.paths import HostPaths
from exporter.host.thermal_zone import Thermal


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_empty_class_is_listed_again_only_after_the_recheck_period(tmp_path: Path) -> None:
    clock = Clock()
    listing = ClassListing(str(tmp_path), clock)
    assert listing.entries() == [] and listing.listings == 1
    (tmp_path / "thermal_zone0").mkdir()
    clock.now += EMPTY_RECHECK_SECONDS - 1
    assert listing.entries() == [] and listing.listings == 1  # not listed: within the period
    clock.now += 1
    assert [name for name, _ino in listing.entries()] == ["thermal_zone0"]
    assert listing.listings == 2


def test_a_class_with_entries_is_listed_every_time(tmp_path: Path) -> None:
    clock = Clock()
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    listing = ClassListing(str(tmp_path), clock)
    assert [n for n, _ in listing.entries()] == ["a", "b"]
    (tmp_path / "a").rmdir()
    assert [n for n, _ in listing.entries()] == ["b"]  # same instant: gone at once
    (tmp_path / "b").rmdir()
    assert listing.entries() == [] and listing.listings == 3


def test_a_missing_class_still_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ClassListing(str(tmp_path / "nope")).entries()


def test_a_thermal_zone_that_appears_is_reported_within_the_period(tmp_path: Path) -> None:
    clock = Clock()
    root = tmp_path / "sys" / "class" / "thermal"
    root.mkdir(parents=True)
    reader = Thermal(HostPaths(str(tmp_path)), clock)
    assert [f.samples for f in reader()] == [[], [], []]
    assert reader() is reader()  # nothing to report: the same families, no listing
    zone = root / "thermal_zone0"
    zone.mkdir()
    (zone / "type").write_text("x86_pkg_temp\n")
    (zone / "temp").write_text("42000\n")
    clock.now += EMPTY_RECHECK_SECONDS
    temp = reader()[0]
    assert [(s.labels, s.value) for s in temp.samples] == [({"zone": "0", "type": "x86_pkg_temp"}, 42.0)]
    reader.close()
