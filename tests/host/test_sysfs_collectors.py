"""The small sysfs collectors: absent hardware is unavailable (FileNotFoundError), odd files are skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.host import (
    bonding,
    cpu_vulnerabilities,
    cpufreq,
    dmi,
    edac,
    mdadm,
    nvme,
    powersupplyclass,
    rapl,
    schedstat,
    softirqs,
    thermal_zone,
    watchdog,
)
from tests.support.host_tree import collect, context, write_tree


@pytest.mark.parametrize("module", [bonding, cpu_vulnerabilities, cpufreq, dmi, edac, mdadm, nvme, powersupplyclass,
                                    rapl, schedstat, softirqs, thermal_zone, watchdog])
def test_missing_hardware_is_unavailable(module, tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "sys" / "class").mkdir(parents=True)
    with pytest.raises(FileNotFoundError):
        module.make(context(tmp_path))()


def test_edac_labels_and_unknown_rows(tmp_path: Path) -> None:
    mc = "sys/devices/system/edac/mc/mc0"
    got = collect(edac.make, write_tree(tmp_path, {
        f"{mc}/ce_count": "1\n", f"{mc}/ue_count": "5\n", f"{mc}/ce_noinfo_count": "2\n",
        f"{mc}/csrow0/ce_count": "3\n", f"{mc}/csrow0/ch0_ce_count": "0\n", f"{mc}/csrow0/ch0_ue_count": "2\n",
        f"{mc}/csrow0/ch0_dimm_label": "mc#0csrow#0channel#0\n", f"{mc}/csrow0/ch1_ce_count": "4\n",
    }))
    assert got[("node_edac_csrow_correctable_errors_total", (("controller", "0"), ("csrow", "unknown")))] == 2
    assert got[("node_edac_channel_uncorrectable_errors_total", (
        ("channel", "0"), ("controller", "0"), ("csrow", "0"), ("dimm_label", "mc0_csrow0_channel0")))] == 2
    assert got[("node_edac_channel_correctable_errors_total", (
        ("channel", "1"), ("controller", "0"), ("csrow", "0"), ("dimm_label", "unknown")))] == 4


def test_power_supply_info_labels_and_ignored(tmp_path: Path) -> None:
    ps = "sys/class/power_supply"
    root = write_tree(tmp_path, {f"{ps}/AC/online": "1\n", f"{ps}/AC/type": "Mains\n",
                                 f"{ps}/BAT0/type": "Battery\n", f"{ps}/BAT0/energy_now": "36580000\n",
                                 f"{ps}/BAT0/temp": "305\n", f"{ps}/BAT0/status": "\n"})
    got = collect(powersupplyclass.make, root)
    assert got[("node_power_supply_info", (("power_supply", "AC"), ("type", "Mains")))] == 1
    assert got[("node_power_supply_info", (("power_supply", "BAT0"), ("type", "Battery")))] == 1  # empty: no label
    assert got[("node_power_supply_energy_watthour", (("power_supply", "BAT0"),))] == 36.58
    assert got[("node_power_supply_temp_celsius", (("power_supply", "BAT0"),))] == 30.5
    ignored = collect(powersupplyclass.make, root, powersupplyclass={"ignored_supplies": "^BAT"})
    assert {dict(k[1])["power_supply"] for k in ignored} == {"AC"}


def test_rapl_zone_label(tmp_path: Path) -> None:
    pc = "sys/class/powercap"
    root = write_tree(tmp_path, {f"{pc}/intel-rapl:0/name": "package-0\n", f"{pc}/intel-rapl:0/energy_uj": "2e6\n",
                                 f"{pc}/intel-rapl:0:1/name": "dram\n", f"{pc}/intel-rapl:0:1/energy_uj": "5000000\n"})
    zone = str(root / pc / "intel-rapl:0:1")
    assert collect(rapl.make, root)[("node_rapl_dram_joules_total", (("index", "1"), ("path", zone)))] == 5.0
    labelled = collect(rapl.make, root, rapl={"enable_zone_label": True})
    assert labelled[("node_rapl_joules_total", (("index", "1"), ("path", zone), ("rapl_zone", "dram")))] == 5.0


def test_vulnerability_verdicts() -> None:
    assert cpu_vulnerabilities.verdict("Not affected") == ("not affected", "")
    assert cpu_vulnerabilities.verdict("Vulnerable") == ("vulnerable", "")
    assert cpu_vulnerabilities.verdict("Vulnerable: Clear CPU buffers attempted, no microcode") == (
        "vulnerable", "Clear CPU buffers attempted, no microcode")
    assert cpu_vulnerabilities.verdict("Mitigation: PTI") == ("mitigation", "PTI")
    assert cpu_vulnerabilities.verdict("Unknown: No mitigations") == ("unknown", "")


def test_cpufreq_leaves_the_frequency_to_cpu_info(tmp_path: Path) -> None:
    d = "sys/devices/system/cpu/cpu0/cpufreq"
    root = write_tree(tmp_path, {f"{d}/cpuinfo_cur_freq": "800000\n", f"{d}/scaling_cur_freq": "1700000\n"})
    assert collect(cpufreq.make, root)[("node_cpu_frequency_hertz", (("cpu", "0"),))] == 8e8
    with_info = collect(cpufreq.make, root, cpu={"info": True})
    assert not [k for k in with_info if k[0] == "node_cpu_frequency_hertz"]  # one family per name
    assert with_info[("node_cpu_scaling_frequency_hertz", (("cpu", "0"),))] == 1.7e9


def test_kept_file_reads_past_its_first_chunk(tmp_path: Path) -> None:
    from exporter.host.sysfs import KeptFile

    path = tmp_path / "vmstat"
    path.write_bytes(b"".join(b"field_%d %d\n" % (i, i) for i in range(1000)))
    kept = KeptFile(str(path), 100)
    assert kept.read() == path.read_bytes()
    path.write_bytes(b"short\n")
    assert kept.read() == b"short\n"
    kept.close()


def test_cpufreq_kept_files_follow_changes_and_a_recreated_policy(tmp_path: Path) -> None:
    import shutil

    from tests.support.host_tree import samples

    d = "sys/devices/system/cpu/cpu0/cpufreq"
    root = write_tree(tmp_path, {f"{d}/scaling_cur_freq": "1700000\n", f"{d}/scaling_governor": "powersave\n",
                                 f"{d}/scaling_available_governors": "performance powersave\n"})
    reader = cpufreq.make(context(root))
    try:
        got = samples(reader())
        assert got[("node_cpu_scaling_frequency_hertz", (("cpu", "0"),))] == 1.7e9
        assert got[("node_cpu_scaling_governor", (("cpu", "0"), ("governor", "powersave")))] == 1
        write_tree(root, {f"{d}/scaling_cur_freq": "800000\n", f"{d}/scaling_governor": "performance\n"})
        got = samples(reader())
        assert got[("node_cpu_scaling_frequency_hertz", (("cpu", "0"),))] == 8e8
        assert got[("node_cpu_scaling_governor", (("cpu", "0"), ("governor", "performance")))] == 1
        shutil.rmtree(root / d)  # the driver reloaded: a new policy directory, with other attributes
        write_tree(root, {f"{d}/scaling_max_freq": "2000000\n"})
        got = samples(reader())
        assert got == {("node_cpu_scaling_frequency_max_hertz", (("cpu", "0"),)): 2e9}
    finally:
        reader.close()


def test_watchdog_kept_files_follow_changes_and_a_replaced_device(tmp_path: Path) -> None:
    import shutil

    from tests.support.host_tree import samples

    d = "sys/class/watchdog/watchdog0"
    root = write_tree(tmp_path, {f"{d}/timeleft": "30\n", f"{d}/identity": "iTCO_wdt\n", f"{d}/state": "active\n"})
    reader = watchdog.make(context(root))
    try:
        first = reader()
        got = samples(first)
        assert got[("node_watchdog_timeleft_seconds", (("name", "watchdog0"),))] == 30
        assert reader() is first  # every attribute read the same: the same families, rendered once
        write_tree(root, {f"{d}/timeleft": "29\n", f"{d}/state": "inactive\n"})
        got = samples(reader())
        assert got[("node_watchdog_timeleft_seconds", (("name", "watchdog0"),))] == 29
        assert [dict(k[1])["state"] for k in got if k[0] == "node_watchdog_info"] == ["inactive"]
        shutil.rmtree(root / d)  # another device under the same name, with a timeout and no timeleft
        write_tree(root, {f"{d}/timeout": "60\n"})
        got = samples(reader())
        assert got[("node_watchdog_timeout_seconds", (("name", "watchdog0"),))] == 60
        assert ("node_watchdog_timeleft_seconds", (("name", "watchdog0"),)) not in got
    finally:
        reader.close()


def test_thermal_kept_files_follow_changes(tmp_path: Path) -> None:
    import shutil

    from tests.support.host_tree import samples

    z, c = "sys/class/thermal/thermal_zone0", "sys/class/thermal/cooling_device0"
    root = write_tree(tmp_path, {f"{z}/type": "x86_pkg_temp\n", f"{z}/temp": "45000\n", f"{c}/type": "Fan\n",
                                 f"{c}/cur_state": "0\n", f"{c}/max_state": "3\n"})
    reader = thermal_zone.make(context(root))
    try:
        assert samples(reader())[("node_thermal_zone_temp", (("type", "x86_pkg_temp"), ("zone", "0")))] == 45
        write_tree(root, {f"{z}/temp": "51000\n", f"{c}/cur_state": "2\n"})
        got = samples(reader())
        assert got[("node_thermal_zone_temp", (("type", "x86_pkg_temp"), ("zone", "0")))] == 51
        assert got[("node_cooling_device_cur_state", (("name", "0"), ("type", "Fan")))] == 2
        shutil.rmtree(root / z)
        write_tree(root, {f"{z}/type": "acpitz\n", f"{z}/temp": "30000\n"})  # another zone under that name
        got = samples(reader())
        assert [k for k in got if k[0] == "node_thermal_zone_temp"] == [
            ("node_thermal_zone_temp", (("type", "acpitz"), ("zone", "0")))]
    finally:
        reader.close()


def test_edac_kept_files_follow_changes_and_a_reloaded_controller(tmp_path: Path) -> None:
    import shutil

    from tests.support.host_tree import samples

    mc = "sys/devices/system/edac/mc/mc0"
    root = write_tree(tmp_path, {f"{mc}/ce_count": "1\n", f"{mc}/csrow0/ch0_ce_count": "0\n"})
    reader = edac.make(context(root))
    try:
        assert samples(reader())[("node_edac_correctable_errors_total", (("controller", "0"),))] == 1
        write_tree(root, {f"{mc}/ce_count": "2\n", f"{mc}/csrow0/ch0_ce_count": "5\n"})
        got = samples(reader())
        assert got[("node_edac_correctable_errors_total", (("controller", "0"),))] == 2
        assert got[("node_edac_channel_correctable_errors_total", (
            ("channel", "0"), ("controller", "0"), ("csrow", "0"), ("dimm_label", "unknown")))] == 5
        shutil.rmtree(root / mc)
        write_tree(root, {f"{mc}/ue_count": "3\n"})  # the driver reloaded with other files
        assert samples(reader()) == {("node_edac_uncorrectable_errors_total", (("controller", "0"),)): 3}
    finally:
        reader.close()


def test_power_supply_kept_files_follow_changes_and_a_replaced_supply(tmp_path: Path) -> None:
    import shutil

    from tests.support.host_tree import samples

    b = "sys/class/power_supply/BAT0"
    root = write_tree(tmp_path, {f"{b}/capacity": "80\n", f"{b}/status": "Discharging\n"})
    reader = powersupplyclass.make(context(root))
    try:
        assert samples(reader())[("node_power_supply_capacity", (("power_supply", "BAT0"),))] == 80
        write_tree(root, {f"{b}/capacity": "79\n", f"{b}/status": "Charging\n"})
        got = samples(reader())
        assert got[("node_power_supply_capacity", (("power_supply", "BAT0"),))] == 79
        assert [dict(k[1])["status"] for k in got if k[0] == "node_power_supply_info"] == ["Charging"]
        shutil.rmtree(root / b)
        write_tree(root, {f"{b}/online": "1\n"})  # another supply under that name
        assert samples(reader()) == {("node_power_supply_online", (("power_supply", "BAT0"),)): 1,
                                     ("node_power_supply_info", (("power_supply", "BAT0"),)): 1}
    finally:
        reader.close()


def test_nvme_kept_files_follow_changes(tmp_path: Path) -> None:
    from tests.support.host_tree import samples

    d = "sys/class/nvme/nvme0"
    ns = f"{d}/nvme0n1"
    root = write_tree(tmp_path, {f"{d}/state": "live\n", f"{d}/model": "M\n", f"{ns}/queue/logical_block_size": "512\n",
                                 f"{ns}/size": "100\n", f"{ns}/nuse": "10\n"})
    reader = nvme.make(context(root))
    try:
        assert samples(reader())[("node_nvme_namespace_used_bytes", (("device", "nvme0"), ("nsid", "1")))] == 5120
        write_tree(root, {f"{d}/state": "resetting\n", f"{ns}/nuse": "20\n"})
        got = samples(reader())
        assert got[("node_nvme_namespace_used_bytes", (("device", "nvme0"), ("nsid", "1")))] == 10240
        assert [dict(k[1])["state"] for k in got if k[0] == "node_nvme_info"] == ["resetting"]
    finally:
        reader.close()
