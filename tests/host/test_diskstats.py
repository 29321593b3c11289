"""diskstats: node_exporter's full set from one /proc/diskstats read, udev and sysfs details, the typed rows."""

from __future__ import annotations

from pathlib import Path

from exporter.host import diskstats
from tests.support.host_tree import context, samples, write_tree

DISKSTATS = """\
   8       0 sda 25354637 34367663 1003346126 18492372 28444756 11134226 505697032 63877960 0 9653880 82621804
   8       1 sda1 1 2 3 4 5 6 7 8 0 9 10
   8      16 sdb 326552 841 9657779 84 41822 2895 1972905 5007 0 60730 67070 68851 0 1925173784 11130
 259       0 nvme0n1 47114 4 4643973 21650 1344184 1 149354 234 0 1 2 3 4 5 6 7 8
   7       0 loop0 1 1 1 1 1 1 1 1 1 1 1
"""
UDEV_SDA = """S:disk/by-id/wwn-0x7c72382b8de36a64
E:ID_ATA=1
E:ID_MODEL=TOSHIBA_KSDB4U86
E:ID_REVISION=0102
E:ID_SERIAL_SHORT=2160A0D5FVGG
E:ID_ATA_WRITE_CACHE=1
E:ID_ATA_WRITE_CACHE_ENABLED=0
E:ID_ATA_ROTATION_RATE_RPM=7200
E:ID_WWN=0x7c72382b8de36a64
E:ID_PATH=pci-0000:3b:00.0-sas-phy7-lun-0
E:ID_FS_UUID=cVVv6j
E:ID_FS_VERSION=LVM2 001
E:ID_FS_TYPE=LVM2_member
E:ID_FS_USAGE=raid
E:SCSI_IDENT_SERIAL=SCSI-SERIAL
"""
UDEV_DM = "E:DM_NAME=system-root\nE:DM_UUID=LVM-abc\nE:DM_VG_NAME=system\nE:DM_LV_NAME=root\n"


def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {
        "proc/diskstats": DISKSTATS + " 252       0 dm-0 1 0 8 0 0 0 0 0 0 0 0\n",
        "run/udev/data/b8:0": UDEV_SDA,
        "run/udev/data/b252:0": UDEV_DM,
        "sys/block/sda/queue/rotational": "1\n",
    })


def test_counters_by_kernel_generation(tmp_path: Path) -> None:
    got = samples(diskstats.make(context(tree(tmp_path)))().families)
    dev = (("device", "sda"),)
    assert got[("node_disk_read_bytes_total", dev)] == 1003346126 * 512
    assert got[("node_disk_read_time_seconds_total", dev)] == 18492.372
    assert got[("node_disk_io_now", dev)] == 0
    assert got[("node_disk_io_time_weighted_seconds_total", dev)] == 82621.804
    # 14 fields: no discards; 18: discards; 20: flushes as well.
    assert ("node_disk_discards_completed_total", dev) not in got
    assert got[("node_disk_discarded_sectors_total", (("device", "sdb"),))] == 1925173784
    assert got[("node_disk_discard_time_seconds_total", (("device", "sdb"),))] == 11.13
    assert ("node_disk_flush_requests_total", (("device", "sdb"),)) not in got
    assert got[("node_disk_flush_requests_total", (("device", "nvme0n1"),))] == 7
    assert got[("node_disk_flush_requests_time_seconds_total", (("device", "nvme0n1"),))] == 0.008
    assert {k[1] for k in got if k[0] == "node_disk_io_now"} == {
        (("device", d),) for d in ("sda", "sdb", "nvme0n1", "dm-0")}  # partitions and loops left out


def test_udev_and_sysfs_info(tmp_path: Path) -> None:
    got = samples(diskstats.make(context(tree(tmp_path)))().families)
    info = {dict(k[1])["device"]: dict(k[1]) for k in got if k[0] == "node_disk_info"}
    assert info["sda"] == {"device": "sda", "major": "8", "minor": "0", "path": "pci-0000:3b:00.0-sas-phy7-lun-0",
                           "wwn": "0x7c72382b8de36a64", "model": "TOSHIBA_KSDB4U86", "serial": "SCSI-SERIAL",
                           "revision": "0102", "rotational": "1"}
    assert info["sdb"]["serial"] == "" and info["sdb"]["rotational"] == "0"  # no udev entry, no sysfs queue
    assert got[("node_disk_filesystem_info", (("device", "sda"), ("type", "LVM2_member"), ("usage", "raid"),
                                              ("uuid", "cVVv6j"), ("version", "LVM2 001")))] == 1
    assert got[("node_disk_device_mapper_info", (("device", "dm-0"), ("lv_layer", ""), ("lv_name", "root"),
                                                 ("name", "system-root"), ("uuid", "LVM-abc"),
                                                 ("vg_name", "system")))] == 1
    assert got[("node_disk_ata_rotation_rate_rpm", (("device", "sda"),))] == 7200
    assert got[("node_disk_ata_write_cache_enabled", (("device", "sda"),))] == 0


def test_typed_rows_and_include(tmp_path: Path) -> None:
    disks = diskstats.make(context(tree(tmp_path)))().value
    sda = disks[0]
    assert (sda.device, sda.read_bytes, sda.write_time_seconds) == ("sda", 1003346126 * 512, 63877.96)
    only = diskstats.make(context(tree(tmp_path), diskio={"device_include": "^sda1$"}))().value
    assert [d.device for d in only] == ["sda1"]


def test_a_replaced_or_removed_udev_entry_is_seen_and_unchanged_info_is_reused(tmp_path: Path) -> None:
    """udev replaces an entry by renaming a new file over it: the next collection has its labels.
    While nothing changed, the info families are the same objects (rendered once)."""
    import os

    write_tree(tmp_path, {"proc/diskstats": DISKSTATS, "run/udev/data/b8:0": UDEV_SDA})
    reader = diskstats.make(context(tmp_path))

    def info() -> dict[str, str]:
        fam = next(f for f in reader().families if f.name == "node_disk_info")
        return {s.labels["device"]: s.labels["model"] for s in fam.samples}

    try:
        first = reader().families
        again = reader().families
        assert [f for f in again if f.name.endswith("_info")] == [f for f in first if f.name.endswith("_info")]
        assert all(a is b for a, b in zip(again[-4:], first[-4:], strict=True))
        assert info()["sda"] == "TOSHIBA_KSDB4U86"
        new = tmp_path / "run/udev/data/.tmp"
        new.write_text(UDEV_SDA.replace("TOSHIBA_KSDB4U86", "OTHER"))
        os.rename(new, tmp_path / "run/udev/data/b8:0")  # as udev writes its database
        assert info()["sda"] == "OTHER"
        (tmp_path / "run/udev/data/b8:0").write_text("E:ID_MODEL=X\n")  # rewritten in place, another size
        assert info()["sda"] == "X"
        (tmp_path / "run/udev/data/b8:0").unlink()
        assert info()["sda"] == ""
    finally:
        reader.close()


def test_an_idle_counter_keeps_its_family_a_moved_one_is_seen(tmp_path: Path) -> None:
    """Every line is read at every collection; a counter family whose every value is the same is
    handed out again (the same object, rendered once), one with a moved value is new, and an idle
    disk keeps its Disk row."""
    root = tree(tmp_path)
    reader = diskstats.make(context(root))
    try:
        def fam(collected: diskstats.Collected, name: str) -> object:
            return {f.name: f for f in collected.families}[f"node_disk_{name}"]

        first = reader()
        second = reader()
        assert fam(second, "reads_completed") is fam(first, "reads_completed")
        assert second.value[0] is first.value[0]
        write_tree(root, {"proc/diskstats": DISKSTATS.replace("sda 25354637", "sda 25354638")
                          + " 252       0 dm-0 1 0 8 0 0 0 0 0 0 0 0\n"})
        third = reader()
        assert fam(third, "reads_completed") is not fam(first, "reads_completed")
        assert samples(third.families)[("node_disk_reads_completed_total", (("device", "sda"),))] == 25354638
        assert fam(third, "writes_completed") is fam(first, "writes_completed")
        assert third.value[0].reads_completed == 25354638 and third.value[1] is first.value[1]
    finally:
        reader.close()
