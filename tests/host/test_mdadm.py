"""mdadm: /proc/mdstat parsed as node_exporter's procfs does (raid0/linear, inactive, sync lines, bitmap)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.host import mdadm
from tests.support.host_tree import collect, write_tree

MDSTAT = """Personalities : [raid1] [raid6] [raid0]
md6 : active raid1 sdb2[2](F) sdc[1](S) sda2[0]
      195310144 blocks [2/1] [U_]
      [=>...................]  recovery =  8.5% (16775552/195310144) finish=17.0min speed=259783K/sec

md7 : active raid6 sdb1[0] sde1[3] sdd1[2] sdc1[1](F)
      7813735424 blocks super 1.2 level 6, 512k chunk, algorithm 2 [4/3] [U_UU]
      bitmap: 0/30 pages [0KB], 65536KB chunk

md9 : active raid1 sdc2[2] sdd2[3] sdg[6](S)
      523968 blocks super 1.2 [4/4] [UUUU]
      resync=DELAYED

md10 : active raid0 sda1[0] sdb1[1]
       314159265 blocks 64k chunks

md4 : inactive raid1 sda3[0](F) sdb3[1](S)
      4883648 blocks [2/2] [UU]

unused devices: <none>
"""


def test_arrays(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"proc/mdstat": MDSTAT, "sys/block/md6/md/raid_disks": "2\n",
                                 "sys/block/md6/md/degraded": "1\n", "sys/block/md10/md/raid_disks": "2\n"})
    got = collect(mdadm.make, root)

    def get(name: str, device: str, state: str | None = None) -> float:
        labels = (("device", device),) + ((("state", state),) if state else ())
        return got[(name, labels)]

    assert get("node_md_state", "md6", "recovering") == 1 and get("node_md_state", "md6", "active") == 0
    assert get("node_md_blocks_synced", "md6") == 16775552 and get("node_md_blocks", "md6") == 195310144
    assert (get("node_md_disks", "md6", "active"), get("node_md_disks", "md6", "failed"),
            get("node_md_disks", "md6", "spare"), get("node_md_disks_required", "md6")) == (1, 1, 1, 2)
    assert get("node_md_state", "md7", "active") == 1  # a bitmap line is not a sync line
    assert get("node_md_blocks_synced", "md7") == 7813735424
    assert get("node_md_state", "md9", "resync") == 1 and get("node_md_blocks_synced", "md9") == 0
    assert get("node_md_disks_required", "md10") == 2 and get("node_md_disks", "md10", "active") == 2
    assert get("node_md_state", "md4", "inactive") == 1 and get("node_md_disks_required", "md4") == 0
    assert get("node_md_degraded", "md6") == 1 and get("node_md_degraded", "md10") == 0  # raid0: no file
    assert get("node_md_raid_disks", "md10") == 2


def test_garbled_status_line_raises(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"proc/mdstat": "md1 : active raid1 sda[0]\n      garbage\n\n\n"})
    with pytest.raises(ValueError):
        collect(mdadm.make, root)


def test_unchanged_input_reuses_families_and_changes_are_seen(tmp_path: Path) -> None:
    from tests.support.host_tree import context, samples

    write_tree(tmp_path, {"proc/mdstat": MDSTAT, "sys/block/md6/md/raid_disks": "2\n",
                          "sys/block/md6/md/degraded": "1\n"})
    reader = mdadm.make(context(tmp_path))
    try:
        first = reader()
        assert reader() is first  # nothing read differs: the same families, rendered once
        write_tree(tmp_path, {"sys/block/md6/md/degraded": "0\n"})
        assert samples(reader())[("node_md_degraded", (("device", "md6"),))] == 0
        write_tree(tmp_path, {"proc/mdstat": MDSTAT.replace("16775552/", "16775553/")})
        assert samples(reader())[("node_md_blocks_synced", (("device", "md6"),))] == 16775553
    finally:
        reader.close()
