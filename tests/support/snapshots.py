"""Hand-built snapshots for unit tests of everything downstream of the host readers."""

from __future__ import annotations

from typing import Any

from exporter.sampling.snapshot import (
    CollectorResult,
    CpuInfo,
    CpuTimes,
    Disk,
    Filesystem,
    LoadAvg,
    Memory,
    NetInterface,
    Process,
    Snapshot,
    Uname,
)

GiB = 1024**3


def cpu(busy: float, idle: float, name: str = "0") -> CpuTimes:
    return CpuTimes(name, busy, 0.0, 0.0, idle, 0.0, 0.0, 0.0, 0.0)


def proc(pid: int, name: str, cpu_seconds: float = 0.0, rss: int = 1024, start: int = 100, **kw: Any) -> Process:
    fields: dict[str, Any] = dict(user="root", cmdline=f"/usr/bin/{name} --flag", state="S", threads=1)
    fields.update(kw)
    return Process(pid=pid, name=name, cpu_seconds=cpu_seconds, rss_bytes=rss, start_time=start, **fields)


def snapshot(
    seq: int = 1,
    t: float = 1000.0,
    *,
    cpus: tuple[CpuTimes, ...] = (cpu(10, 90, "0"), cpu(20, 80, "1")),
    mem_total: int = 8 * GiB,
    mem_available: int = 6 * GiB,
    swap_total: int = 2 * GiB,
    swap_free: int = 2 * GiB,
    load1: float = 0.5,
    filesystems: tuple[Filesystem, ...] | None = None,
    processes: tuple[Process, ...] | None = None,
    network: tuple[NetInterface, ...] | None = None,
    disks: tuple[Disk, ...] | None = None,
    **kw: Any,
) -> Snapshot:
    if filesystems is None:
        filesystems = (Filesystem("/dev/sda1", "/", "ext4", size=100 * GiB, free=40 * GiB, avail=35 * GiB,
                                  files=1000, files_free=500),)
    if processes is None:
        processes = (proc(1, "init", 5.0, 10 * 1024**2), proc(200, "python3", 50.0, 300 * 1024**2))
    if network is None:
        network = (NetInterface("eth0", 1000 * seq, 10, 0, 0, 500 * seq, 5, 0, 0, True),
                   NetInterface("lo", 100, 1, 0, 0, 100, 1, 0, 0, False))
    if disks is None:
        disks = (Disk("sda", 10, 0, 4096 * seq, 0.1, 20, 0, 8192 * seq, 0.2, 0, 0.3, 0.4),)
    memory = Memory({"MemTotal": mem_total, "MemFree": mem_available // 2, "MemAvailable": mem_available,
                     "SwapTotal": swap_total, "SwapFree": swap_free, "HugePages_Total": 0},
                    frozenset({"HugePages_Total"}))
    return Snapshot(
        timestamp=t,
        monotonic=t,
        cpu=CpuInfo(cpus, boot_time=t - 3600),
        load=LoadAvg(load1, 0.4, 0.3),
        memory=memory,
        filesystems=filesystems,
        disks=disks,
        network=network,
        processes=processes,
        uname=Uname("Linux", "testhost", "6.1.0", "#1 SMP", "x86_64"),
        collectors=(CollectorResult("cpu", True, 0.001), CollectorResult("filesystem", False, 0.002, "boom")),
        seq=seq,
        **kw,
    )
