"""Host readers against a fixture /proc and /sys tree (tests/fixtures/root), so values are exact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporter.config import DiskIOConfig, NetworkConfig
from exporter.host.cpu import TICKS, read_cpu
from exporter.host.diskstats import read_disks
from exporter.host.load import read_load
from exporter.host.memory import read_memory
from exporter.host.network import read_network
from exporter.host.paths import HostPaths
from exporter.host.proc_stat import parse_stat
from exporter.host.processes import ProcessReader

FIXTURE = HostPaths(str(Path(__file__).resolve().parents[1] / "fixtures" / "root"))


def test_cpu() -> None:
    c = read_cpu(FIXTURE)
    assert c.count == 2
    assert c.per_cpu[0].user == 2385 / TICKS and c.per_cpu[1].idle == 837605 / TICKS
    assert c.boot_time == 1700000000


def test_load_and_memory() -> None:
    assert read_load(FIXTURE).load15 == 0.30
    m = read_memory(FIXTURE)
    assert m.total == 8000000 * 1024 and m.available == 6000000 * 1024
    assert m.fields["Active_anon"] == 500000 * 1024
    assert m.fields["HugePages_Total"] == 0 and "HugePages_Total" in m.counts
    assert m.swap_used == 500000 * 1024


def test_disks_skip_partitions_and_loops_like_node_exporter() -> None:
    disks = {d.device: d for d in read_disks(FIXTURE, DiskIOConfig())}
    assert set(disks) == {"vda", "nvme0n1"}
    assert disks["vda"].read_bytes == 1704298 * 512
    assert disks["vda"].io_time_weighted_seconds == 8.287
    assert disks["nvme0n1"].io_now == 2


def test_network() -> None:
    """With a root prefix (a container), PID 1's namespace is read: the host's interfaces."""
    nets = {n.device: n for n in read_network(FIXTURE, NetworkConfig())}
    assert nets["eth0"].receive_bytes == 142781887 and nets["eth0"].transmit_drop == 4
    assert nets["eth0"].up and not nets["lo"].up
    only_eth = read_network(FIXTURE, NetworkConfig(device_exclude="^lo$"))  # type: ignore[arg-type]
    assert [n.device for n in only_eth] == ["eth0"]


def test_processes_one_read_each_and_tricky_names() -> None:
    procs = {p.pid: p for p in ProcessReader(FIXTURE)()}
    assert set(procs) == {1, 42, 4242}
    assert procs[4242].name == "my) weird (name"
    assert procs[4242].cmdline == "python3 -m app" and procs[4242].threads == 4
    assert procs[4242].cpu_seconds == 1200 / TICKS
    assert procs[4242].rss_bytes == 25000 * os.sysconf("SC_PAGE_SIZE")
    assert procs[42].cmdline == "[kworker/0:1]"  # kernel thread
    assert procs[1].state == "S" and procs[1].start_time == 5


def test_parse_stat_rejects_garbage() -> None:
    import pytest

    with pytest.raises((ValueError, IndexError)):
        parse_stat(b"12 (truncated")


def test_process_vanishing_mid_collection_is_skipped(tmp_path: Path) -> None:
    """A pid directory without a readable stat (the process exited) is skipped, not fatal."""
    proc = tmp_path / "proc"
    (proc / "7").mkdir(parents=True)
    (proc / "8").mkdir()
    (proc / "8" / "stat").write_bytes(Path(FIXTURE.proc("4242", "stat")).read_bytes())
    (proc / "9").mkdir()
    (proc / "9" / "stat").write_text("9 (half")  # truncated read
    reader = ProcessReader(HostPaths(str(tmp_path)))
    assert [p.pid for p in reader()] == [8]


@pytest.mark.integration
def test_kept_descriptors_are_dropped_when_a_real_process_exits() -> None:
    """On the real /proc, a kept stat descriptor of an exited process fails (ESRCH): the
    process disappears from the next collection and its descriptor is closed, so a pid
    reused later is opened afresh."""
    import subprocess

    reader = ProcessReader(HostPaths())
    child = subprocess.Popen(["sleep", "60"])
    try:
        assert child.pid in {p.pid for p in reader()}
        kept = dict(reader._kept)  # noqa: SLF001
        assert str(child.pid) in kept
    finally:
        child.kill()
        child.wait()
    assert child.pid not in {p.pid for p in reader()}
    assert str(child.pid) not in reader._kept  # noqa: SLF001
    reader.close()


def test_descriptor_cap_falls_back_to_open_read_close() -> None:
    reader = ProcessReader(FIXTURE, max_open=1)
    assert len(reader()) == 3 and len(reader()) == 3
    reader.close()


def test_kept_proc_files_serve_each_collection_s_value(tmp_path: Path) -> None:
    """cpu, stat, loadavg, meminfo, diskstats and uname keep their /proc files open: a value written
    since the last collection is the one served."""
    from exporter.host import cpu, diskstats, load, memory, stat, system
    from tests.support.host_tree import context, samples, write_tree

    def tree(n: int) -> dict[str, str]:
        return {
            "proc/stat": f"cpu  {n} 0 0 0\ncpu0 {n} 0 0 0\nintr {n} 1\nctxt {n}\nbtime 1700000000\n"
                         f"processes {n}\nprocs_running 1\nprocs_blocked 0\n",
            "proc/loadavg": f"{n}.5 0.2 0.1 1/100 42\n",
            "proc/meminfo": f"MemTotal: {n} kB\nMemAvailable: 1 kB\n",
            "proc/diskstats": f"8 0 sda {n} 0 0 0 0 0 0 0 0 0 0\n",
            "proc/sys/kernel/domainname": f"d{n}\n",
        }

    write_tree(tmp_path, tree(1))
    ctx = context(tmp_path)
    readers = [m.make(ctx) for m in (cpu, stat, load, memory, diskstats, system)]
    try:
        for n in (1, 2):
            write_tree(tmp_path, tree(n))  # in place, as the kernel renders a new value
            got = [r() for r in readers]
            assert got[0].value.per_cpu[0].user == n / TICKS
            assert samples(got[1])[("node_forks_total", ())] == n
            assert got[2].load1 == n + 0.5
            assert got[3].total == n * 1024
            assert got[4].value[0].reads_completed == n
            assert got[5].domainname == f"d{n}"
    finally:
        for r in readers:
            r.close()


def test_meminfo_layout_changes_are_parsed_line_by_line_again(tmp_path: Path) -> None:
    from exporter.host import memory
    from tests.support.host_tree import context, write_tree

    write_tree(tmp_path, {"proc/meminfo": "MemTotal:  10 kB\nHugePages_Total:  2\n"})
    reader = memory.make(context(tmp_path))
    try:
        first = reader()
        assert first.fields == {"MemTotal": 10240, "HugePages_Total": 2} and first.counts == {"HugePages_Total"}
        write_tree(tmp_path, {"proc/meminfo": "MemTotal:  11 kB\nHugePages_Total:  3\n"})  # the remembered layout
        assert reader().fields == {"MemTotal": 11264, "HugePages_Total": 3}
        write_tree(tmp_path, {"proc/meminfo": "MemTotal:  11 kB\nActive(anon): 4 kB\nHugePages_Total:  3\n"})
        assert reader().fields == {"MemTotal": 11264, "Active_anon": 4096, "HugePages_Total": 3}
        write_tree(tmp_path, {"proc/meminfo": "MemTotal:  12\nActive(anon): 4 kB\nHugePages_Total:  3 kB\n"})
        got = reader()  # the same names with their units swapped: not the remembered layout
        assert got.fields == {"MemTotal": 12, "Active_anon": 4096, "HugePages_Total": 3072}
        assert got.counts == {"MemTotal"}
        write_tree(tmp_path, {"proc/meminfo": "MemTotal:  13 kB extra\n\nOdd: 1 MB\n"})  # no strict layout
        assert reader().fields == {"MemTotal": 13312, "Odd": 1} and reader().counts == {"Odd"}
    finally:
        reader.close()
