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

from pathlib import Path

import pytest

from exporter.host import os_release
from exporter.sampling.snapshot import NetInterface
from tests.support.host_tree import context, samples
from tests.support.node_fixtures import Exposition, differences, e2e_config, scrape

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
    "textfile": (("testmetric", "node_textfile_"), ()),
    "stat": (("node_intr_total", "node_context_switches_total", "node_forks_total", "node_boot_time_seconds",
              "node_procs_", "node_softirqs_total"), ()),
    "cpu": (("node_cpu_seconds_total", "node_cpu_guest_seconds_total", "node_cpu_core_throttles_total",
             "node_cpu_package_throttles_total", "node_cpu_isolated", "node_cpu_info", "node_cpu_frequency_hertz",
             "node_cpu_flag_info", "node_cpu_bug_info"), ()),
    "vmstat": (("node_vmstat_",), ()),
    "pressure": (("node_pressure_",), ()),
    "entropy": (("node_entropy_",), ()),
    "time": (("node_time_clocksource_",), ()),
    "diskstats": (("node_disk_",), ()),
    "hwmon": (("node_hwmon_",), ()),
    "thermal_zone": (("node_thermal_zone_", "node_cooling_device_"), ()),
    "cpufreq": (("node_cpu_scaling_",), ()),
    "mdadm": (("node_md_",), ()),
    "bonding": (("node_bonding_",), ()),
    "nvme": (("node_nvme_",), ()),
    "edac": (("node_edac_",), ()),
    "powersupplyclass": (("node_power_supply_",), ()),
    "schedstat": (("node_schedstat_",), ()),
    "watchdog": (("node_watchdog_",), ()),
    "dmi": (("node_dmi_",), ()),
    "processes": (("node_processes_",), ()),
    "interrupts": (("node_interrupts_",), ()),
    "cpu_vulnerabilities": (("node_cpu_vulnerabilities_info",), ()),
    "softirqs": (("node_softirqs_functions_total",), ()),
}


@pytest.mark.parametrize("collector", sorted(COLLECTORS))
def test_matches_node_exporter(collector: str, ours: Exposition, theirs: Exposition) -> None:
    prefixes, exclude = COLLECTORS[collector]
    assert theirs.select(prefixes, exclude), f"the golden file has no {collector} series under {prefixes}"
    problems = differences(theirs, ours, prefixes, exclude)
    assert not problems, f"{collector}: {len(problems)} differences:\n" + "\n".join(problems[:40])


def test_collectors_succeed_where_node_exporter_did(ours: Exposition, theirs: Exposition) -> None:
    """Every collector of ours that node_exporter also ran on the tree succeeded, as it did there
    (a collector that failed would only show up above as missing series)."""
    def success(e: Exposition) -> dict[str, float]:
        return {dict(k[1])["collector"]: v for k, v in e.samples.items() if k[0] == "node_scrape_collector_success"}

    mine, golden = success(ours), success(theirs)
    # os: the shared copy of the tree lacks its usr/lib/os-release (test_os_matches_node_exporter adds it).
    compared = {name for name in mine if name in golden} - {"os"}
    assert compared >= set(COLLECTORS) & set(golden), sorted(set(COLLECTORS) & set(golden) - compared)
    failed = {name: mine[name] for name in compared if mine[name] != golden[name]}
    assert not failed, failed


def test_rapl_matches_node_exporter(ours: Exposition, theirs: Exposition, fixture_root: Path) -> None:
    """rapl's `path` label is the zone's directory: node_exporter ran with a relative sysfs path,
    ours is absolute under root_prefix (on a host: /sys/class/powercap/...); the rest is identical."""
    ours_rapl = Exposition(types=ours.types)
    for (name, labels), value in ours.select(("node_rapl_",)).items():
        relabeled = tuple((k, v.replace(str(fixture_root), "collector/fixtures") if k == "path" else v)
                          for k, v in labels)
        ours_rapl.samples[(name, relabeled)] = value
    assert theirs.select(("node_rapl_",))
    assert not differences(theirs, ours_rapl, ("node_rapl_",))


# Ubuntu 20.04.2's /usr/lib/os-release, which node_exporter's fixture tree has and the shared copy lacks.
FOCAL_OS_RELEASE = """NAME="Ubuntu"
VERSION="20.04.2 LTS (Focal Fossa)"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME="Ubuntu 20.04.2 LTS"
VERSION_ID="20.04"
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
VERSION_CODENAME=focal
UBUNTU_CODENAME=focal
"""


def test_os_matches_node_exporter(theirs: Exposition, tmp_path: Path) -> None:
    (tmp_path / "usr" / "lib").mkdir(parents=True)
    (tmp_path / "usr" / "lib" / "os-release").write_text(FOCAL_OS_RELEASE)
    got = Exposition(samples=samples(os_release.make(context(tmp_path))()))
    got.types = {"node_os_info": "gauge", "node_os_version": "gauge"}
    assert theirs.select(("node_os_",))
    assert not differences(theirs, got, ("node_os_",))


def test_every_family_once_with_every_collector_on(fixture_root: Path) -> None:
    """Two collectors yielding one family name (cpu.info's and cpufreq's node_cpu_frequency_hertz)
    would repeat its HELP and TYPE lines, which Prometheus rejects: the whole scrape would fail."""
    text = scrape(e2e_config(fixture_root))
    helps = [line.split()[2] for line in text.splitlines() if line.startswith("# HELP ")]
    assert len(helps) > 300
    assert len(helps) == len(set(helps)), sorted({n for n in helps if helps.count(n) > 1})
