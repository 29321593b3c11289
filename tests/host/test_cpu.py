"""cpu: guest seconds apart, thermal throttles per core and package, isolated CPUs, cpu info when asked."""

from __future__ import annotations

from pathlib import Path

from exporter.host import cpu
from exporter.host.cpu import TICKS
from tests.support.host_tree import context, samples, write_tree

STAT = "cpu  10 0 0 0\ncpu0 44490 19 21045 1087069 220 1 3410 0 2 1\ncpu1 100 0 0 0 0 0 0 0\nbtime 1418183276\n"
CPU = "sys/devices/system/cpu"
CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 142
model name\t: Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz
stepping\t: 10
microcode\t: 0xb4
cpu MHz\t\t: 799.998
cache size\t: 8192 KB
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu aes avx avx2 constant_tsc sse
bugs\t\t: cpu_meltdown spectre_v1 l1tf

processor\t: 1
physical id\t: 0
core id\t\t: 1
cpu MHz\t\t: 800.037
"""


def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {
        "proc/stat": STAT,
        "proc/cpuinfo": CPUINFO,
        f"{CPU}/isolated": "1,3-4\n",
        f"{CPU}/cpu0/topology/physical_package_id": "0\n",
        f"{CPU}/cpu0/topology/core_id": "0\n",
        f"{CPU}/cpu0/thermal_throttle/core_throttle_count": "5\n",
        f"{CPU}/cpu0/thermal_throttle/package_throttle_count": "30\n",
        f"{CPU}/cpu1/topology/physical_package_id": "0\n",
        f"{CPU}/cpu1/topology/core_id": "0\n",  # a hyperthread sibling: its core is counted once
        f"{CPU}/cpu1/thermal_throttle/core_throttle_count": "99\n",
    })


def test_typed_reading_and_guest_seconds(tmp_path: Path) -> None:
    info, families = cpu.make(context(tree(tmp_path)))()
    assert info.count == 2 and info.boot_time == 1418183276
    assert info.per_cpu[0].user == 44490 / TICKS and info.per_cpu[0].guest == 2 / TICKS
    assert info.per_cpu[1].guest == 0.0  # a kernel without guest columns
    got = samples(families)
    assert got[("node_cpu_guest_seconds_total", (("cpu", "0"), ("mode", "user")))] == 2 / TICKS
    assert got[("node_cpu_guest_seconds_total", (("cpu", "0"), ("mode", "nice")))] == 1 / TICKS


def test_throttles_and_isolated(tmp_path: Path) -> None:
    got = samples(cpu.make(context(tree(tmp_path)))().families)
    assert got[("node_cpu_core_throttles_total", (("core", "0"), ("package", "0")))] == 5
    assert got[("node_cpu_package_throttles_total", (("package", "0"),))] == 30
    assert {k[1] for k in got if k[0] == "node_cpu_isolated"} == {(("cpu", c),) for c in ("1", "3", "4")}
    assert not any(k[0].startswith(("node_cpu_info", "node_cpu_flag")) for k in got)  # cpu.info is off


def test_info_flags_and_bugs_when_asked(tmp_path: Path) -> None:
    ctx = context(tree(tmp_path), cpu={"info": True, "info_flags_include": "^(aes|avx.?)$",
                                       "info_bugs_include": "^spectre_"})
    got = samples(cpu.make(ctx)().families)
    assert got[("node_cpu_frequency_hertz", (("core", "1"), ("cpu", "1"), ("package", "0")))] == 800.037e6
    assert {k[1][0][1] for k in got if k[0] == "node_cpu_flag_info"} == {"aes", "avx", "avx2"}
    assert {k[1][0][1] for k in got if k[0] == "node_cpu_bug_info"} == {"spectre_v1"}
    info = [dict(k[1]) for k in got if k[0] == "node_cpu_info"]
    assert info[0]["model_name"] == "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz" and info[0]["cachesize"] == "8192 KB"
    assert info[1]["vendor"] == ""  # a field the block lacks is an empty label, as in node_exporter


def test_throttles_follow_the_online_cpus_of_proc_stat(tmp_path: Path) -> None:
    """The CPUs asked are /proc/stat's (the online ones): one that goes offline loses its series at
    the next collection, one that comes online (its topology appearing with it) gains them."""
    root = tree(tmp_path)
    write_tree(root, {"proc/stat": "cpu  10 0 0 0\ncpu0 1 0 0 0\nbtime 1\n"})  # cpu1 offline: no topology
    (root / CPU / "cpu1/topology/core_id").unlink()
    (root / CPU / "cpu1/topology/physical_package_id").unlink()
    reader = cpu.make(context(root))
    try:
        def cores() -> dict:
            return {k[1]: v for k, v in samples(reader().families).items() if k[0] == "node_cpu_core_throttles_total"}

        assert cores() == {(("core", "0"), ("package", "0")): 5}
        write_tree(root, {"proc/stat": STAT, f"{CPU}/cpu1/topology/physical_package_id": "1\n",
                          f"{CPU}/cpu1/topology/core_id": "0\n"})  # cpu1 comes online
        assert cores() == {(("core", "0"), ("package", "0")): 5, (("core", "0"), ("package", "1")): 99}
        write_tree(root, {"proc/stat": "cpu  10 0 0 0\ncpu1 1 0 0 0\nbtime 1\n"})  # cpu0 goes offline
        assert cores() == {(("core", "0"), ("package", "1")): 99}
    finally:
        reader.close()
