"""Our collectors against node_exporter's own end-to-end fixtures, one test per collector.

node_exporter (commit a7dcc3a, release line 1.12) produced `e2e-output.txt` on its fixture
tree, started with `--path.procfs=proc --path.sysfs=sys --path.rootfs=<fixtures>
--path.udev.data=<unpacked udev/data>`; the collectors filesystem, timex, uname and selinux
off (they read the real host); every other collector on, including the ones off by default
(interrupts, processes, softirqs, mountstats, cgroups, slabinfo, sysctl, zoneinfo...); and
`--collector.netdev.device-include=lo`,
`--collector.hwmon.chip-include=(applesmc|asus_nb_wmi|coretemp|hwmon4|ieee80211|nct6779)`,
`--collector.netclass.ignored-devices=(dmz|int)`, `--collector.netclass.ignore-invalid-speed`,
`--collector.stat.softirq`, `--collector.textfile.directory=textfile/two_metric_files/`,
`--collector.cpu.info`, `--collector.cpu.info.flags-include=^(aes|avx.?|constant_tsc)$`,
`--collector.cpu.info.bugs-include=^(cpu_meltdown|spectre_.*|mds)$`, and (end-to-end-test.sh
has them, the fixture README does not) `--collector.arp.device-exclude=nope --no-collector.arp.netlink`. Volatile series
(go_*, process_*, scrape durations, textfile mtimes, node_time_*, network bytes and
packets) are not in it. tests/support/node_fixtures.py unpacks the tree, runs ours with
the equivalent configuration (`e2e_settings`) and compares series by series: same names,
label sets, values and types, restricted to each collector's metric-name prefixes.
"""

from __future__ import annotations

import pytest

from exporter.sampling.snapshot import NetInterface
from tests.support.node_fixtures import Exposition, differences

# collector → (the prefixes of its metric names, prefixes under those that belong to another collector)
COLLECTORS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "meminfo": (("node_memory_",), ("node_memory_numa_",)),
    "loadavg": (("node_load1", "node_load5", "node_load15"), ()),
    "netstat": (("node_netstat_",), ()),
    # netdev's and netclass's families share the node_network_ prefix: netdev's are the statistics
    # (receive_nohandler is read from sysfs here, and the tree has no lo there: it is left out).
    "netdev": (tuple(f"node_network_{c}" for c in NetInterface.COUNTERS if c != "receive_nohandler"), ()),
    "netclass": (("node_network_",), tuple(f"node_network_{c}" for c in NetInterface.COUNTERS)),
    "sockstat": (("node_sockstat_",), ()),
    "softnet": (("node_softnet_",), ()),
    "conntrack": (("node_nf_conntrack_",), ()),
    "arp": (("node_arp_",), ()),
    "udp_queues": (("node_udp_queues",), ()),
    "filefd": (("node_filefd_",), ()),
}


@pytest.mark.parametrize("collector", sorted(COLLECTORS))
def test_matches_node_exporter(collector: str, ours: Exposition, theirs: Exposition) -> None:
    prefixes, exclude = COLLECTORS[collector]
    assert theirs.select(prefixes, exclude), f"the golden file has no {collector} series under {prefixes}"
    problems = differences(theirs, ours, prefixes, exclude)
    assert not problems, f"{collector}: {len(problems)} differences:\n" + "\n".join(problems[:40])
