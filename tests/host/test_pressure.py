"""pressure: the `total=` of each PSI line in seconds; a missing resource is skipped, no PSI at all is unavailable."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.host import pressure
from tests.support.host_tree import collect, context, samples, write_tree

SOME_FULL = (
    "some avg10=0.18 avg60=0.34 avg300=0.10 total=159886802\n"
    "full avg10=0.18 avg60=0.34 avg300=0.10 total=159229614\n"
)


def test_totals_in_seconds(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "proc/pressure/cpu": "some avg10=0.00 avg60=0.00 avg300=0.00 total=14036781\n"
                             "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
        "proc/pressure/io": SOME_FULL,
        "proc/pressure/memory": SOME_FULL,
    })  # no irq file: kernels before 5.15
    got = collect(pressure.make, root)
    assert got == {
        ("node_pressure_cpu_waiting_seconds_total", ()): 14036781 / 1e3 / 1e3,
        ("node_pressure_io_waiting_seconds_total", ()): 159.886802,
        ("node_pressure_io_stalled_seconds_total", ()): 159.229614,
        ("node_pressure_memory_waiting_seconds_total", ()): 159.886802,
        ("node_pressure_memory_stalled_seconds_total", ()): 159.229614,
    }


def test_no_psi_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    with pytest.raises(FileNotFoundError):
        collect(pressure.make, tmp_path)


def test_a_missing_resource_is_looked_for_again_after_missing_retry(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proc/pressure/cpu": "some avg10=0.00 avg60=0.00 avg300=0.00 total=1000000\n"})
    now = [50.0]
    reader = pressure.make(context(tmp_path), clock=lambda: now[0])
    try:
        assert set(samples(reader())) == {("node_pressure_cpu_waiting_seconds_total", ())}
        write_tree(tmp_path, {"proc/pressure/irq": "full avg10=0.00 avg60=0.00 avg300=0.00 total=2000000\n"})
        now[0] += pressure.MISSING_RETRY - 1
        assert ("node_pressure_irq_stalled_seconds_total", ()) not in samples(reader())
        now[0] += 1
        assert samples(reader())[("node_pressure_irq_stalled_seconds_total", ())] == 2.0
        write_tree(tmp_path, {"proc/pressure/cpu": "some avg10=0.00 avg60=0.00 avg300=0.00 total=3000000\n"})
        assert samples(reader())[("node_pressure_cpu_waiting_seconds_total", ())] == 3.0  # read every time
    finally:
        reader.close()
